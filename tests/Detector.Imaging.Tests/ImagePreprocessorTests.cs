using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;
using Detector.Imaging.Preprocessing.Resamplers;

namespace Detector.Imaging.Tests;

public sealed class ImagePreprocessorTests
{
    private static readonly PreprocessRecipe Identity2x2 = new()
    {
        Width = 2,
        Height = 2,
        ResizeMode = ResizeMode.Stretch,
        Filter = ResizeFilter.PilBilinear,
        ScaleMode = ScaleMode.Divide,
        ScaleValue = 255f,
    };

    [Fact]
    public void TensorSize_ResizeModeNone_IsTheImageSize()
    {
        // Arrange
        var recipe = new PreprocessRecipe { ResizeMode = ResizeMode.None, Width = 9, Height = 9 };

        // Act
        (int height, int width) = ImagePreprocessor.TensorSize(recipe, 640, 480);

        // Assert
        Assert.Equal((480, 640), (height, width));
    }

    [Fact]
    public void TensorSize_Stretch_IsTheRecipeSize()
    {
        // Act
        (int height, int width) = ImagePreprocessor.TensorSize(new PreprocessRecipe { Width = 192, Height = 48 }, 640, 480);

        // Assert
        Assert.Equal((48, 192), (height, width));
    }

    [Fact]
    public void Write_SameSizeNchw_WritesPlanesWithFloat32Division()
    {
        // Arrange
        byte[] rgb = TestImages.PatternBytes(2, 2);
        float[] tensor = new float[12];

        // Act
        ImagePreprocessor.Write(rgb, 2, 2, false, Identity2x2, tensor);

        // Assert: plane c, row y, column x holds rgb[(y*2+x)*3+c] / 255f.
        for (int c = 0; c < 3; c++)
        {
            for (int p = 0; p < 4; p++)
            {
                Assert.Equal(rgb[(p * 3) + c] / 255f, tensor[(c * 4) + p]);
            }
        }
    }

    [Fact]
    public void Write_Nhwc_InterleavesChannels()
    {
        // Arrange
        byte[] rgb = TestImages.PatternBytes(2, 2);
        float[] tensor = new float[12];

        // Act
        ImagePreprocessor.Write(rgb, 2, 2, false, Identity2x2 with { Layout = TensorLayout.Nhwc }, tensor);

        // Assert
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(rgb[i] / 255f, tensor[i]);
        }
    }

    [Fact]
    public void Write_Bgr_ReversesChannelOrder()
    {
        // Arrange
        byte[] rgb = [10, 20, 30];
        float[] tensor = new float[3];
        var recipe = new PreprocessRecipe { Width = 1, Height = 1, ColorOrder = ColorOrder.Bgr, ScaleValue = 1f };

        // Act
        ImagePreprocessor.Write(rgb, 1, 1, false, recipe, tensor);

        // Assert
        Assert.Equal([30f, 20f, 10f], tensor);
    }

    [Fact]
    public void Write_ReciprocalMultiply_IsKerasFloat32Multiply()
    {
        // Arrange: all 256 levels in one row.
        byte[] rgb = new byte[256 * 3];
        for (int v = 0; v < 256; v++)
        {
            rgb[3 * v] = (byte)v;
        }

        var recipe = new PreprocessRecipe { Width = 256, Height = 1, ScaleMode = ScaleMode.ReciprocalMultiply, ScaleValue = 255f };
        float[] tensor = new float[3 * 256];

        // Act
        ImagePreprocessor.Write(rgb, 256, 1, false, recipe, tensor);

        // Assert: v * (1f / 255f), which is 1 ulp away from v / 255f on some levels (that is why the mode exists).
        int differing = 0;
        for (int v = 0; v < 256; v++)
        {
            Assert.Equal(v * (1f / 255f), tensor[v]);
            differing += tensor[v] != v / 255f ? 1 : 0;
        }

        Assert.True(differing > 0);
    }

    [Fact]
    public void Write_MeanStd_NormalisesPerChannelInFloat32()
    {
        // Arrange
        byte[] rgb = [0, 128, 255];
        float[] mean = [0.485f, 0.456f, 0.406f];
        float[] std = [0.229f, 0.224f, 0.225f];
        var recipe = new PreprocessRecipe { Width = 1, Height = 1, Mean = mean, Std = std };
        float[] tensor = new float[3];

        // Act
        ImagePreprocessor.Write(rgb, 1, 1, false, recipe, tensor);

        // Assert
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(((rgb[c] / 255f) - mean[c]) / std[c], tensor[c]);
        }
    }

    [Fact]
    public void Write_LumaOfColourSource_UsesFloat32WeightedSum()
    {
        // Arrange
        byte[] rgb = [200, 100, 50, 15, 15, 15];
        var recipe = new PreprocessRecipe { ResizeMode = ResizeMode.None, ColorOrder = ColorOrder.Luma, ScaleValue = 256f };
        float[] tensor = new float[2];

        // Act
        ImagePreprocessor.Write(rgb, 2, 1, false, recipe, tensor);

        // Assert
        Assert.Equal(((0.299f * 200) + (0.587f * 100) + (0.114f * 50)) / 256f, tensor[0]);
        Assert.Equal(((0.299f * 15) + (0.587f * 15) + (0.114f * 15)) / 256f, tensor[1]);
    }

    [Fact]
    public void Write_LumaOfGreySource_UsesTheGreyValueItself()
    {
        // Arrange: for grey 15 the weighted sum is not exactly 15 in float32, so the two paths differ.
        byte[] rgb = [15, 15, 15];
        var recipe = new PreprocessRecipe { ResizeMode = ResizeMode.None, ColorOrder = ColorOrder.Luma, ScaleValue = 256f };
        float[] grey = new float[1];
        float[] colour = new float[1];

        // Act
        ImagePreprocessor.Write(rgb, 1, 1, true, recipe, grey);
        ImagePreprocessor.Write(rgb, 1, 1, false, recipe, colour);

        // Assert
        Assert.Equal(15f / 256f, grey[0]);
        Assert.NotEqual(grey[0], colour[0]);
    }

    [Fact]
    public void Write_FixedHeightPadWidth_PlacesLeftAndPadsTheRest()
    {
        // Arrange: 10x5 -> height 4, width ceil(4 * 2) = 8 of 12; columns 8..11 are padding.
        byte[] rgb = TestImages.PatternBytes(10, 5);
        var recipe = new PreprocessRecipe
        {
            Width = 12,
            Height = 4,
            ResizeMode = ResizeMode.FixedHeightPadWidth,
            Filter = ResizeFilter.OpenCvLinear,
            ScaleValue = 1f,
            PadValue = -7f,
        };
        float[] tensor = new float[3 * 4 * 12];
        byte[] resized = new byte[8 * 4 * 3];
        OpenCvLinearResampler.Resize(rgb, 10, 5, resized, 8, 4);

        // Act
        ImagePreprocessor.Write(rgb, 10, 5, false, recipe, tensor);

        // Assert
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 12; x++)
                {
                    float expected = x < 8 ? resized[(((y * 8) + x) * 3) + c] : -7f;
                    Assert.Equal(expected, tensor[(c * 48) + (y * 12) + x]);
                }
            }
        }
    }

    [Theory]
    [InlineData(600, 400, 48, 192, 72)]
    [InlineData(776, 62, 48, 192, 192)]
    [InlineData(10, 100, 48, 192, 5)]
    [InlineData(1, 1000, 48, 192, 1)]
    public void PaddedWidthResize_PaddleOcrRule_ClampsToTargetWidth(int width, int height, int targetHeight, int targetWidth, int expected)
    {
        // Act
        int resized = ImagePreprocessor.PaddedWidthResize(targetWidth, targetHeight, width, height);

        // Assert
        Assert.Equal(expected, resized);
    }

    [Theory]
    [InlineData(500, 375, 256, 341, 256)]
    [InlineData(375, 500, 256, 256, 341)]
    [InlineData(300, 300, 256, 256, 256)]
    [InlineData(1024, 1536, 224, 224, 336)]
    public void ShorterSideSize_TorchvisionResizeInt_TruncatesTheLongerSide(int width, int height, int shorter, int expectedWidth, int expectedHeight)
    {
        // Act
        (int w, int h) = ImagePreprocessor.ShorterSideSize(shorter, width, height);

        // Assert
        Assert.Equal((expectedWidth, expectedHeight), (w, h));
    }

    [Theory]
    [InlineData(5, 2, 2)] // round(1.5) = 2
    [InlineData(7, 2, 2)] // round(2.5) = 2 (half to even, as Python)
    [InlineData(3, 2, 0)] // round(0.5) = 0
    [InlineData(10, 4, 3)]
    public void Place_CenterCropLargerImage_UsesPythonRounding(int size, int crop, int expectedOffset)
    {
        // Arrange
        var recipe = new PreprocessRecipe { Width = crop, Height = crop, ResizeMode = ResizeMode.CenterCrop };

        // Act
        ImagePreprocessor.Placement placement = ImagePreprocessor.Place(recipe, size, size);

        // Assert
        Assert.Equal((expectedOffset, expectedOffset, 0, 0, crop, crop), (placement.SourceX, placement.SourceY, placement.TargetX, placement.TargetY, placement.CopyWidth, placement.CopyHeight));
    }

    [Fact]
    public void Write_CenterCropSmallerImage_PadsSymmetricallyWithOddPixelAfter()
    {
        // Arrange: 3 wide into 6: one pad column before, two after; 2 high into 2: no vertical padding.
        byte[] rgb = TestImages.PatternBytes(3, 2);
        var recipe = new PreprocessRecipe { Width = 6, Height = 2, ResizeMode = ResizeMode.CenterCrop, ScaleValue = 1f, PadValue = -1f };
        float[] tensor = new float[3 * 2 * 6];

        // Act
        ImagePreprocessor.Write(rgb, 3, 2, false, recipe, tensor);

        // Assert: first plane (R), both rows.
        for (int y = 0; y < 2; y++)
        {
            float[] row = tensor.AsSpan(y * 6, 6).ToArray();
            Assert.Equal([-1f, rgb[y * 9], rgb[(y * 9) + 3], rgb[(y * 9) + 6], -1f, -1f], row);
        }
    }

    [Fact]
    public void Write_ShorterSideCenterCrop_EqualsResizeThenCrop()
    {
        // Arrange: 12x8 -> shorter side 4 -> 6x4, then centre 4x4 starting at column round(1.0) = 1.
        byte[] rgb = TestImages.PatternBytes(12, 8);
        var recipe = new PreprocessRecipe
        {
            Width = 4,
            Height = 4,
            ShorterSide = 4,
            ResizeMode = ResizeMode.ShorterSideCenterCrop,
            Filter = ResizeFilter.PilBicubic,
            ScaleValue = 1f,
        };
        byte[] resized = new byte[6 * 4 * 3];
        PilConvolutionResampler.Resize(rgb, 12, 8, resized, 6, 4, ResizeFilter.PilBicubic);
        float[] tensor = new float[3 * 4 * 4];

        // Act
        ImagePreprocessor.Write(rgb, 12, 8, false, recipe, tensor);

        // Assert
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 4; x++)
                {
                    Assert.Equal(resized[(((y * 6) + x + 1) * 3) + c], tensor[(c * 16) + (y * 4) + x]);
                }
            }
        }
    }

    [Fact]
    public void Write_StretchOfAThinColumn_RejectedBeforeResamplingThroughAHugeIntermediate()
    {
        // Arrange: 1 x 300000 pixels is within any decode limit, but PIL's two passes would first widen all 300000
        // rows to 256 pixels: a 256 x 300000 intermediate (76.8 million pixels).
        byte[] rgb = new byte[300_000 * 3];
        var recipe = new PreprocessRecipe { Width = 256, Height = 256, ResizeMode = ResizeMode.Stretch, Filter = ResizeFilter.PilBilinear };
        float[] tensor = new float[3 * 256 * 256];

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => ImagePreprocessor.Write(rgb, 1, 300_000, false, recipe, tensor));

        // Assert
        Assert.Equal(ImageRejection.TooManyPixels, ex.Rejection);
        Assert.Contains("256x300000", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ImagePreprocessor.MaxIntermediatePixels.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ShorterSideCenterCropOfAThinColumn_RejectedInsteadOfOverflowing()
    {
        // Arrange: torchvision's Resize(256) would make the 1-pixel side 256 and the other 256 x 300000 = 76.8 million.
        byte[] rgb = new byte[300_000 * 3];
        var recipe = new PreprocessRecipe { Width = 224, Height = 224, ShorterSide = 256, ResizeMode = ResizeMode.ShorterSideCenterCrop, Filter = ResizeFilter.PilBilinear };
        float[] tensor = new float[3 * 224 * 224];

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => ImagePreprocessor.Write(rgb, 1, 300_000, false, recipe, tensor));

        // Assert
        Assert.Equal(ImageRejection.TooManyPixels, ex.Rejection);
    }

    [Theory]
    [InlineData(ResizeMode.CenterCrop)]
    [InlineData(ResizeMode.None)]
    public void EnsureWithinLimits_NoResampling_AcceptsAnyAspectRatio(ResizeMode mode)
    {
        var recipe = new PreprocessRecipe { Width = 224, Height = 224, ResizeMode = mode };

        ImagePreprocessor.EnsureWithinLimits(recipe, 1, 60_000_000);
    }

    [Fact]
    public void Write_DestinationOfWrongLength_Throws()
    {
        // Arrange
        byte[] rgb = TestImages.PatternBytes(2, 2);
        float[] tooLong = new float[13];

        // Act
        var ex = Assert.Throws<ArgumentException>(() => ImagePreprocessor.Write(rgb, 2, 2, false, Identity2x2, tooLong));

        // Assert
        Assert.Contains("3x2x2 = 12", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_MeanWithoutStd_Throws()
    {
        // Arrange
        byte[] rgb = TestImages.PatternBytes(2, 2);
        float[] tensor = new float[12];

        // Act + Assert
        Assert.Throws<ArgumentException>(() => ImagePreprocessor.Write(rgb, 2, 2, false, Identity2x2 with { Mean = [0f, 0f, 0f] }, tensor));
    }

    [Fact]
    public void Write_IntoSliceOfBatchBuffer_LeavesNeighboursUntouched()
    {
        // Arrange: the engine hands each image a slice of one pooled batch buffer.
        byte[] rgb = TestImages.PatternBytes(2, 2);
        float[] batch = new float[3 * 12];
        Array.Fill(batch, 42f);

        // Act
        ImagePreprocessor.Write(rgb, 2, 2, false, Identity2x2, batch.AsSpan(12, 12));

        // Assert
        Assert.All(batch[..12], v => Assert.Equal(42f, v));
        Assert.All(batch[24..], v => Assert.Equal(42f, v));
        Assert.Equal(rgb[0] / 255f, batch[12]);
    }
}
