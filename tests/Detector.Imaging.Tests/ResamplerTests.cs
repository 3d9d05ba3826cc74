using Detector.Imaging.Preprocessing;
using Detector.Imaging.Preprocessing.Resamplers;

namespace Detector.Imaging.Tests;

public sealed class ResamplerTests
{
    public static TheoryData<ResizeFilter> AllFilters() =>
        [ResizeFilter.PilNearest, ResizeFilter.PilBilinear, ResizeFilter.PilBicubic, ResizeFilter.OpenCvLinear];

    [Theory]
    [InlineData(4, 2, new[] { 1, 3 })]
    [InlineData(2, 4, new[] { 0, 0, 1, 1 })]
    [InlineData(5, 3, new[] { 0, 2, 4 })]
    [InlineData(3, 5, new[] { 0, 0, 1, 2, 2 })]
    [InlineData(10, 4, new[] { 1, 3, 6, 8 })]
    [InlineData(7, 3, new[] { 1, 3, 5 })]
    public void SourceIndices_PilNearest_SamplesPixelCentres(int inSize, int outSize, int[] expected)
    {
        // Arrange: hand-computed floor((i + 0.5) * in / out).
        int[] indices = new int[outSize];

        // Act
        PilNearestResampler.SourceIndices(inSize, outSize, indices);

        // Assert
        Assert.Equal(expected, indices);
    }

    [Theory]
    [InlineData(ResizeFilter.PilBilinear)]
    [InlineData(ResizeFilter.PilBicubic)]
    public void Resize_PilConvolutionIntermediateOverIntRange_ThrowsInsteadOfWritingPastItsBuffer(ResizeFilter filter)
    {
        // Arrange: a 1 x 349526 column stretched to 4096 x 1. The horizontal pass would write 4096 x 349526 x 3 bytes =
        // 2^32 + 8192, which 32-bit arithmetic wraps to an 8 KiB buffer.
        byte[] source = new byte[349_526 * 3];
        byte[] destination = new byte[4096 * 3];

        // Act / Assert
        Assert.Throws<ArgumentException>(() => PilConvolutionResampler.Resize(source, 1, 349_526, destination, 4096, 1, filter));
    }

    [Fact]
    public void SourceIndices_PilNearest_DiffersFromFloorOfLeftEdge()
    {
        // Arrange: ImageSharp's NearestNeighbor reads floor(i * in / out) = {0, 2} for 4 -> 2.
        int[] indices = new int[2];

        // Act
        PilNearestResampler.SourceIndices(4, 2, indices);

        // Assert
        Assert.NotEqual(new[] { 0, 2 }, indices);
    }

    [Fact]
    public void SourceIndices_PilNearest_ThreeHundredTwentyToTwoHundredFiftySix_StaysInRangeAndMonotonic()
    {
        // Arrange
        int[] indices = new int[256];

        // Act
        PilNearestResampler.SourceIndices(320, 256, indices);

        // Assert
        Assert.Equal(0, indices[0]);
        Assert.Equal(319, indices[255]);
        for (int i = 1; i < indices.Length; i++)
        {
            Assert.InRange(indices[i] - indices[i - 1], 1, 2);
        }
    }

    [Theory]
    [MemberData(nameof(AllFilters))]
    public void Resize_SameSize_CopiesPixels(ResizeFilter filter)
    {
        // Arrange
        byte[] source = TestImages.PatternBytes(7, 5);
        byte[] destination = new byte[source.Length];

        // Act
        Resampler.Resize(filter, source, 7, 5, destination, 7, 5);

        // Assert
        Assert.Equal(source, destination);
    }

    [Theory]
    [MemberData(nameof(AllFilters))]
    public void Resize_ConstantImage_StaysConstant(ResizeFilter filter)
    {
        // Arrange: normalised weights must reproduce a flat field exactly, whatever the size pair.
        (int SrcW, int SrcH, int DstW, int DstH)[] sizes = [(10, 7, 3, 4), (3, 4, 11, 9), (600, 400, 256, 256), (5, 5, 5, 9), (9, 3, 2, 3)];
        foreach ((int srcW, int srcH, int dstW, int dstH) in sizes)
        {
            byte[] source = new byte[srcW * srcH * 3];
            for (int i = 0; i < source.Length; i += 3)
            {
                (source[i], source[i + 1], source[i + 2]) = ((byte)37, (byte)128, (byte)250);
            }

            byte[] destination = new byte[dstW * dstH * 3];

            // Act
            Resampler.Resize(filter, source, srcW, srcH, destination, dstW, dstH);

            // Assert
            for (int i = 0; i < destination.Length; i += 3)
            {
                Assert.Equal((37, 128, 250), (destination[i], destination[i + 1], destination[i + 2]));
            }
        }
    }

    [Fact]
    public void Resize_PilBilinearUpscale_MatchesHandComputedWeights()
    {
        // Arrange: 2 -> 4 pixels; centres 0.25, 0.75, 1.25, 1.75 give weights (1), (3/4, 1/4), (1/4, 3/4), (1).
        byte[] source = Grey([0, 255]);
        byte[] destination = new byte[4 * 3];

        // Act
        PilConvolutionResampler.Resize(source, 2, 1, destination, 4, 1, ResizeFilter.PilBilinear);

        // Assert: 255/4 = 63.75 -> 64 and 191.25 -> 191 after 22-bit fixed point and rounding.
        Assert.Equal(new byte[] { 0, 64, 191, 255 }, FirstChannel(destination));
    }

    [Fact]
    public void Resize_PilBilinearDownscale_IsAntialiased()
    {
        // Arrange: 4 -> 2; support widens to 2 source pixels, windows {0,1,2} and {1,2,3} with weights 3:3:1 and 1:3:3.
        byte[] source = Grey([0, 100, 200, 255]);
        byte[] destination = new byte[2 * 3];

        // Act
        PilConvolutionResampler.Resize(source, 4, 1, destination, 2, 1, ResizeFilter.PilBilinear);

        // Assert: (0*3 + 100*3 + 200) / 7 = 71.4 and (100 + 200*3 + 255*3) / 7 = 209.3.
        Assert.Equal(new byte[] { 71, 209 }, FirstChannel(destination));
    }

    [Fact]
    public void Resize_PilBilinearVertical_SameResultAsHorizontal()
    {
        // Arrange: the vertical pass uses the same coefficients as the horizontal one.
        byte[] source = Grey([0, 100, 200, 255]);
        byte[] destination = new byte[2 * 3];

        // Act
        PilConvolutionResampler.Resize(source, 1, 4, destination, 1, 2, ResizeFilter.PilBilinear);

        // Assert
        Assert.Equal(new byte[] { 71, 209 }, FirstChannel(destination));
    }

    [Fact]
    public void Resize_OpenCvLinearDownscale_IsNotAntialiased()
    {
        // Arrange: 4 -> 2 samples at 0.5 and 2.5: halfway between two pixels each, nothing else contributes.
        byte[] source = Grey([0, 100, 200, 255]);
        byte[] destination = new byte[2 * 3];

        // Act
        OpenCvLinearResampler.Resize(source, 4, 1, destination, 2, 1);

        // Assert: (0 + 100) / 2 and (200 + 255) / 2 = 227.5 -> 228.
        Assert.Equal(new byte[] { 50, 228 }, FirstChannel(destination));
    }

    [Fact]
    public void Resize_OpenCvLinearVerticalUpscale_ClampsRowsAtTheEdges()
    {
        // Arrange: 2 -> 4 rows; the first and last output rows read row 0 (or 1) twice.
        byte[] source = Grey([0, 255]);
        byte[] destination = new byte[4 * 3];

        // Act
        OpenCvLinearResampler.Resize(source, 1, 2, destination, 1, 4);

        // Assert
        Assert.Equal(new byte[] { 0, 64, 191, 255 }, FirstChannel(destination));
    }

    [Fact]
    public void Coordinate_OpenCvLinear_ElevenBitWeights()
    {
        // Act: 600 -> 72 columns (ppocr-cls on the RGBA image), output column 0; scale = 1 / (72 / 600).
        (int source, short w0, short w1) = OpenCvLinearResampler.Coordinate(0, 1.0 / (72.0 / 600.0));

        // Assert: 0.5 * 8.333 - 0.5 = 3.667 in float: source 3, weights round(0.333 * 2048), round(0.667 * 2048).
        Assert.Equal((3, (short)683, (short)1365), (source, w0, w1));
    }

    [Fact]
    public void Resize_OpenCvLinear_SimdRoundingExceptInTheScalarTail()
    {
        // Arrange: 3 -> 5 rows; output row 1 mixes rows 0 and 1 with weights 1229/2048 and 819/2048.
        // Values 1 and 5 round to 2 in the SIMD kernel (each product truncated after >> 4 and >> 16) and to 3 in
        // the scalar formula. A 1-pixel row (3 values) is all tail; an 8-pixel row (24 values) is all SIMD.
        byte[] narrow = Column(1, [1, 5, 9]);
        byte[] wide = Column(8, [1, 5, 9]);
        byte[] narrowOut = new byte[1 * 5 * 3];
        byte[] wideOut = new byte[8 * 5 * 3];

        // Act
        OpenCvLinearResampler.Resize(narrow, 1, 3, narrowOut, 1, 5);
        OpenCvLinearResampler.Resize(wide, 8, 3, wideOut, 8, 5);

        // Assert
        Assert.Equal(3, narrowOut[1 * 3]);
        Assert.Equal(2, wideOut[1 * 8 * 3]);
    }

    [Theory]
    [MemberData(nameof(AllFilters))]
    public void Resize_Downscale_KeepsChannelsApart(ResizeFilter filter)
    {
        // Arrange: pure red image must stay pure red (no channel bleeding in the interleaved loops).
        byte[] source = new byte[9 * 6 * 3];
        for (int i = 0; i < source.Length; i += 3)
        {
            source[i] = 200;
        }

        byte[] destination = new byte[4 * 3 * 3];

        // Act
        Resampler.Resize(filter, source, 9, 6, destination, 4, 3);

        // Assert
        for (int i = 0; i < destination.Length; i += 3)
        {
            Assert.Equal((200, 0, 0), (destination[i], destination[i + 1], destination[i + 2]));
        }
    }

    [Fact]
    public void Resize_SourceTooShort_Throws()
    {
        // Arrange
        byte[] source = new byte[10];
        byte[] destination = new byte[12];

        // Act + Assert
        Assert.Throws<ArgumentException>(() => Resampler.Resize(ResizeFilter.PilBilinear, source, 2, 2, destination, 2, 2));
    }

    private static byte[] Grey(byte[] values)
    {
        byte[] rgb = new byte[values.Length * 3];
        for (int i = 0; i < values.Length; i++)
        {
            rgb[3 * i] = rgb[(3 * i) + 1] = rgb[(3 * i) + 2] = values[i];
        }

        return rgb;
    }

    private static byte[] Column(int width, byte[] rowValues)
    {
        byte[] rgb = new byte[width * rowValues.Length * 3];
        for (int y = 0; y < rowValues.Length; y++)
        {
            rgb.AsSpan(y * width * 3, width * 3).Fill(rowValues[y]);
        }

        return rgb;
    }

    private static byte[] FirstChannel(byte[] rgb)
    {
        byte[] values = new byte[rgb.Length / 3];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rgb[3 * i];
        }

        return values;
    }
}
