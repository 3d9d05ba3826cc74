using System.Text;
using Detector.Imaging.Decoding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace Detector.Imaging.Tests;

public sealed class ImageSharpDecoderTests
{
    private readonly ImageSharpDecoder _decoder = new();

    [Fact]
    public void Decode_RgbPng_ReturnsExactInterleavedPixelsAndHeader()
    {
        // Arrange
        byte[] png = TestImages.EncodePattern(5, 4, new PngEncoder { ColorType = PngColorType.Rgb });

        // Act
        using DecodedImage image = _decoder.Decode(png);

        // Assert
        Assert.Equal(new ImageHeader(ImageFormatKind.Png, 5, 4, 24, "rgb", 0), image.Header);
        Assert.Equal((5, 4), (image.Width, image.Height));
        Assert.False(image.IsGrayscale);
        Assert.Equal(TestImages.PatternBytes(5, 4), image.Rgb.ToArray());
    }

    [Fact]
    public void Decode_GrayscalePng_ReplicatesGreyAndSetsIsGrayscale()
    {
        // Arrange
        using var gray = new Image<L8>(3, 2);
        gray[0, 0] = new L8(0);
        gray[1, 0] = new L8(17);
        gray[2, 0] = new L8(128);
        gray[0, 1] = new L8(200);
        gray[1, 1] = new L8(254);
        gray[2, 1] = new L8(255);
        byte[] png = TestImages.Encode(gray, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });

        // Act
        using DecodedImage image = _decoder.Decode(png);

        // Assert
        Assert.True(image.IsGrayscale);
        Assert.Equal("gray", image.Header.ColorModel);
        Assert.Equal(8, image.Header.BitsPerPixel);
        Assert.Equal(new byte[] { 0, 0, 0, 17, 17, 17, 128, 128, 128, 200, 200, 200, 254, 254, 254, 255, 255, 255 }, image.Rgb.ToArray());
    }

    [Fact]
    public void Decode_GrayAlphaPng_DropsAlphaAndIsNotSingleChannelGrey()
    {
        // Arrange: PIL opens this as "LA", which luma models convert to RGB, so it is not IsGrayscale.
        using var image = new Image<La16>(2, 1);
        image[0, 0] = new La16(90, 0);
        image[1, 0] = new La16(180, 255);
        byte[] png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha, BitDepth = PngBitDepth.Bit8 });

        // Act
        using DecodedImage decoded = _decoder.Decode(png);

        // Assert
        Assert.Equal("gray-alpha", decoded.Header.ColorModel);
        Assert.False(decoded.IsGrayscale);
        Assert.Equal(new byte[] { 90, 90, 90, 180, 180, 180 }, decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_RgbaPngWithTransparentPixels_DropsAlphaWithoutCompositing()
    {
        // Arrange: fully transparent pixels keep non-zero RGB, as in the conformance RGBA image.
        using var rgba = new Image<Rgba32>(3, 1);
        rgba[0, 0] = new Rgba32(200, 100, 50, 0);
        rgba[1, 0] = new Rgba32(10, 20, 30, 128);
        rgba[2, 0] = new Rgba32(1, 2, 3, 255);
        byte[] png = TestImages.Encode(rgba, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });

        // Act
        using DecodedImage image = _decoder.Decode(png);

        // Assert
        Assert.Equal("rgba", image.Header.ColorModel);
        Assert.Equal(32, image.Header.BitsPerPixel);
        Assert.Equal(new byte[] { 200, 100, 50, 10, 20, 30, 1, 2, 3 }, image.Rgb.ToArray());
    }

    [Fact]
    public void Decode_PalettePng_ExpandsPaletteToRgb()
    {
        // Arrange: an exact palette and no dithering, so every pixel keeps its colour.
        Color[] palette = [Color.FromRgb(255, 0, 0), Color.FromRgb(0, 255, 0), Color.FromRgb(0, 0, 255), Color.FromRgb(10, 20, 30)];
        using var image = new Image<Rgb24>(4, 1);
        for (int x = 0; x < 4; x++)
        {
            image[x, 0] = palette[x].ToPixel<Rgb24>();
        }

        var encoder = new PngEncoder
        {
            ColorType = PngColorType.Palette,
            Quantizer = new PaletteQuantizer(palette, new QuantizerOptions { Dither = null }),
        };
        byte[] png = TestImages.Encode(image, encoder);

        // Act
        using DecodedImage decoded = _decoder.Decode(png);

        // Assert
        Assert.Equal("palette", decoded.Header.ColorModel);
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 }, decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_SixteenBitPng_ScalesToEightBits()
    {
        // Arrange: v * 257 is the 16-bit value whose 8-bit reduction is exactly v.
        using var image = new Image<Rgb48>(2, 1);
        image[0, 0] = new Rgb48(0 * 257, 100 * 257, 255 * 257);
        image[1, 0] = new Rgb48(1 * 257, 128 * 257, 254 * 257);
        byte[] png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 });

        // Act
        using DecodedImage decoded = _decoder.Decode(png);

        // Assert
        Assert.Equal(48, decoded.Header.BitsPerPixel);
        Assert.Equal(new byte[] { 0, 100, 255, 1, 128, 254 }, decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_Jpeg_DecodesCloseToTheOriginal()
    {
        // Arrange: a smooth image at quality 100 and 4:4:4, so the lossy codec stays within a few levels.
        using var image = new Image<Rgb24>(16, 16);
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 8), (byte)(y * 8), 128);
            }
        }

        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 });

        // Act
        using DecodedImage decoded = _decoder.Decode(jpeg);

        // Assert
        Assert.Equal(new ImageHeader(ImageFormatKind.Jpeg, 16, 16, 24, "rgb", 0), decoded.Header);
        Assert.False(decoded.IsGrayscale);
        ReadOnlySpan<byte> rgb = decoded.Rgb;
        int maxDiff = 0;
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                int i = ((y * 16) + x) * 3;
                maxDiff = Math.Max(maxDiff, Math.Abs(rgb[i] - (x * 8)));
                maxDiff = Math.Max(maxDiff, Math.Abs(rgb[i + 1] - (y * 8)));
                maxDiff = Math.Max(maxDiff, Math.Abs(rgb[i + 2] - 128));
            }
        }

        Assert.InRange(maxDiff, 0, 4);
    }

    [Fact]
    public void Decode_OneComponentJpeg_IsGrayscaleWithEqualChannels()
    {
        // Arrange
        using var gray = new Image<L8>(8, 8);
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                gray[x, y] = new L8((byte)((x * 30) + y));
            }
        }

        byte[] jpeg = TestImages.Encode(gray, new JpegEncoder { Quality = 95, ColorType = JpegColorType.Luminance });

        // Act
        using DecodedImage decoded = _decoder.Decode(jpeg);

        // Assert
        Assert.True(decoded.IsGrayscale);
        Assert.Equal("gray", decoded.Header.ColorModel);
        ReadOnlySpan<byte> rgb = decoded.Rgb;
        for (int i = 0; i < rgb.Length; i += 3)
        {
            Assert.Equal(rgb[i], rgb[i + 1]);
            Assert.Equal(rgb[i], rgb[i + 2]);
        }
    }

    [Fact]
    public void Decode_LosslessWebp_ReturnsExactPixels()
    {
        // Arrange
        byte[] webp = TestImages.EncodePattern(6, 5, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });

        // Act
        using DecodedImage decoded = _decoder.Decode(webp);

        // Assert
        Assert.Equal(ImageFormatKind.Webp, decoded.Header.Format);
        Assert.Equal(TestImages.PatternBytes(6, 5), decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_AnimatedGif_ReturnsFirstFrameOnly()
    {
        // Arrange: frame 0 red, frame 1 blue.
        using var animation = new Image<Rgba32>(4, 3, new Rgba32(255, 0, 0, 255));
        using (var blue = new Image<Rgba32>(4, 3, new Rgba32(0, 0, 255, 255)))
        {
            animation.Frames.AddFrame(blue.Frames.RootFrame);
        }

        byte[] gif = TestImages.Encode(animation, new GifEncoder());

        // Act
        using DecodedImage decoded = _decoder.Decode(gif);

        // Assert
        Assert.Equal(2, Image.Load<Rgba32>(gif).Frames.Count);
        Assert.Equal(new ImageHeader(ImageFormatKind.Gif, 4, 3, decoded.Header.BitsPerPixel, "palette", 0), decoded.Header);
        ReadOnlySpan<byte> rgb = decoded.Rgb;
        for (int i = 0; i < rgb.Length; i += 3)
        {
            Assert.Equal((255, 0, 0), (rgb[i], rgb[i + 1], rgb[i + 2]));
        }
    }

    [Fact]
    public void Decode_AnimatedWebp_RejectedAsUnsupportedFeature()
    {
        // Arrange: ImageSharp 2.1 has no first-frame mode for WebP and refuses animations outright.
        byte[] webp = TestImages.AnimatedWebpHeader();

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(webp));

        // Assert
        Assert.Equal(ImageRejection.UnsupportedFormat, ex.Rejection);
        Assert.Contains("WebP", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nimat", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Bmp_ReturnsExactPixels()
    {
        // Arrange
        byte[] bmp = TestImages.EncodePattern(5, 3, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });

        // Act
        using DecodedImage decoded = _decoder.Decode(bmp);

        // Assert
        Assert.Equal(new ImageHeader(ImageFormatKind.Bmp, 5, 3, 24, "rgb", 0), decoded.Header);
        Assert.Equal(TestImages.PatternBytes(5, 3), decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_Tiff_ReturnsExactPixels()
    {
        // Arrange
        byte[] tiff = TestImages.EncodePattern(4, 6, new TiffEncoder { BitsPerPixel = TiffBitsPerPixel.Bit24 });

        // Act
        using DecodedImage decoded = _decoder.Decode(tiff);

        // Assert
        Assert.Equal(ImageFormatKind.Tiff, decoded.Header.Format);
        Assert.Equal((4, 6), (decoded.Width, decoded.Height));
        Assert.False(decoded.IsGrayscale);
        Assert.Equal(TestImages.PatternBytes(4, 6), decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_GrayscaleTiff_SetsIsGrayscale()
    {
        // Arrange
        using var gray = new Image<L8>(3, 1);
        gray[0, 0] = new L8(5);
        gray[1, 0] = new L8(120);
        gray[2, 0] = new L8(250);
        byte[] tiff = TestImages.Encode(gray, new TiffEncoder { BitsPerPixel = TiffBitsPerPixel.Bit8 });

        // Act
        using DecodedImage decoded = _decoder.Decode(tiff);

        // Assert
        Assert.True(decoded.IsGrayscale);
        Assert.Equal(new byte[] { 5, 5, 5, 120, 120, 120, 250, 250, 250 }, decoded.Rgb.ToArray());
    }

    [Fact]
    public void Identify_JpegWithExifOrientation_ReportsItAndDecodeKeepsStoredPixels()
    {
        // Arrange: orientation 6 means "rotate 90° to display"; the service reports it and does not apply it.
        using Image<Rgb24> image = TestImages.Pattern(8, 4);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 90 });

        // Act
        ImageHeader header = _decoder.Identify(jpeg);
        using DecodedImage decoded = _decoder.Decode(jpeg);

        // Assert
        Assert.Equal(6, header.ExifOrientation);
        Assert.Equal((8, 4), (header.Width, header.Height));
        Assert.Equal((8, 4), (decoded.Width, decoded.Height));
        Assert.Equal(6, decoded.Header.ExifOrientation);
    }

    [Fact]
    public void Identify_PngWithoutExif_ReportsOrientationZero()
    {
        // Arrange
        byte[] png = TestImages.EncodePattern(3, 3, new PngEncoder());

        // Act
        ImageHeader header = _decoder.Identify(png);

        // Assert
        Assert.Equal(0, header.ExifOrientation);
        Assert.Equal(9, header.PixelCount);
    }

    [Fact]
    public void Decode_EmptyInput_RejectedAsEmpty()
    {
        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(ReadOnlyMemory<byte>.Empty));

        // Assert
        Assert.Equal(ImageRejection.Empty, ex.Rejection);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_OverByteLimit_RejectedNamingLimitAndSize()
    {
        // Arrange
        var decoder = new ImageSharpDecoder(new ImagingOptions { MaxBytes = 100 });
        byte[] png = TestImages.EncodePattern(16, 16, new PngEncoder());

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(png));

        // Assert
        Assert.Equal(ImageRejection.TooManyBytes, ex.Rejection);
        Assert.Contains($"{png.Length} bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("limit of 100 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_OverPixelLimit_RejectedNamingBothNumbers()
    {
        // Arrange
        var decoder = new ImageSharpDecoder(new ImagingOptions { MaxPixels = 100 });
        byte[] png = TestImages.EncodePattern(20, 20, new PngEncoder());

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => decoder.Decode(png));

        // Assert
        Assert.Equal(ImageRejection.TooManyPixels, ex.Rejection);
        Assert.Equal("image declares 20x20 = 400 pixels, over the limit of 100", ex.Message);
    }

    [Fact]
    public void Decode_PngDeclaring100000x100000_RejectedBeforeAllocatingPixels()
    {
        // Arrange: valid IHDR and CRC, a 64-byte IDAT: 30 GB of RGB if anything believed the header.
        byte[] bomb = TestImages.PngWithDeclaredSize(100_000, 100_000);
        long before = GC.GetAllocatedBytesForCurrentThread();

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(bomb));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(ImageRejection.TooManyPixels, ex.Rejection);
        Assert.Equal("image declares 100000x100000 = 10000000000 pixels, over the limit of 64000000", ex.Message);
        Assert.True(allocated < 4 * 1024 * 1024, $"allocated {allocated} bytes while rejecting a header");
    }

    [Fact]
    public void Identify_PngDeclaring100000x100000_RejectedFromHeaderAlone()
    {
        // Arrange
        byte[] bomb = TestImages.PngWithDeclaredSize(100_000, 100_000);

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Identify(bomb));

        // Assert
        Assert.Equal(ImageRejection.TooManyPixels, ex.Rejection);
    }

    [Fact]
    public void Decode_PngWithACompressedTextBomb_DecodesThePixelsWithoutInflatingTheText()
    {
        // Arrange: a 4x4 PNG carrying a zTXt comment of 64 MiB that compresses to about 64 KB. ImageSharp 2.1 inflates
        // every compressed text chunk into a string, without a limit, in Identify and again in Decode: 32 MiB of such
        // chunks would inflate to some 32 GB.
        byte[] png = TestImages.PngWithChunkAfterHeader(
            TestImages.EncodePattern(4, 4, new PngEncoder()),
            "zTXt",
            TestImages.CompressedTextChunk("Comment", 64 << 20));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        // Act
        using DecodedImage image = _decoder.Decode(png);

        // Assert: the pixels, for a small fraction of what inflating the text costs (over 1.7 GB before).
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Equal(TestImages.PatternBytes(4, 4), image.Rgb.ToArray());
        Assert.InRange(allocated, 0, 32L << 20);
    }

    [Theory]
    [InlineData("zTXt", new byte[] { (byte)'k', 0 })]
    [InlineData("zTXt", new byte[] { (byte)'k', 0, 0, 0x78 })]
    [InlineData("iTXt", new byte[] { (byte)'k', 0, 1 })]
    [InlineData("iTXt", new byte[] { (byte)'k', 0, 1, 0, 0, 0, 0xFF, 0xFF })]
    public void Decode_PngWithTruncatedTextChunk_DecodesOrIsRejected(string type, byte[] chunk)
    {
        // Arrange: text chunks cut short where the scan for compressed text looks.
        byte[] png = TestImages.PngWithChunkAfterHeader(TestImages.EncodePattern(4, 4, new PngEncoder()), type, chunk);

        // Act
        Exception? ex = Record.Exception(() => _decoder.Decode(png).Dispose());

        // Assert
        Assert.True(ex is null or ImageRejectedException, ex?.ToString());
    }

    [Fact]
    public void Identify_PngWithSmallCompressedTextAndExifOrientation_StillReportsTheOrientation()
    {
        // Arrange: metadata under the text budget is read as before.
        using Image<Rgb24> source = TestImages.Pattern(4, 4);
        source.Metadata.ExifProfile = new ExifProfile();
        source.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        byte[] png = TestImages.PngWithChunkAfterHeader(
            TestImages.Encode(source, new PngEncoder()),
            "zTXt",
            TestImages.CompressedTextChunk("Comment", 1000));

        // Act
        ImageHeader header = _decoder.Identify(png);

        // Assert
        Assert.Equal(6, header.ExifOrientation);
    }

    [Fact]
    public void Decode_JpegCutInTheScanData_RejectedAsTruncated()
    {
        // Arrange: ImageSharp alone would fill the missing blocks; PIL refuses truncated files, so do we.
        byte[] jpeg = TestImages.EncodePattern(64, 48, new JpegEncoder { Quality = 90 });
        ReadOnlyMemory<byte> truncated = jpeg.AsMemory(0, jpeg.Length / 2);

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(truncated));

        // Assert
        Assert.Equal(ImageRejection.Corrupt, ex.Rejection);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegCutInTheHeader_RejectedAsCorrupt()
    {
        // Arrange
        byte[] jpeg = TestImages.EncodePattern(64, 48, new JpegEncoder { Quality = 90 });

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(jpeg.AsMemory(0, 100)));

        // Assert
        Assert.Equal(ImageRejection.Corrupt, ex.Rejection);
        Assert.Contains("JPEG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegWithTrailingBytesAfterEnd_IsAccepted()
    {
        // Arrange: data appended after EOI (camera trailers, concatenated files) is not truncation.
        byte[] jpeg = TestImages.EncodePattern(16, 16, new JpegEncoder { Quality = 90 });
        byte[] withTrailer = [.. jpeg, .. Encoding.ASCII.GetBytes("trailing bytes")];

        // Act
        using DecodedImage decoded = _decoder.Decode(withTrailer);

        // Assert
        Assert.Equal((16, 16), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Decode_PngSignatureThenGarbage_RejectedAsCorrupt()
    {
        // Arrange
        byte[] png = TestImages.EncodePattern(8, 8, new PngEncoder());
        byte[] garbage = new byte[200];
        new Random(7).NextBytes(garbage);
        byte[] data = [.. png.AsSpan(0, 8), .. garbage];

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(data));

        // Assert
        Assert.Equal(ImageRejection.Corrupt, ex.Rejection);
        Assert.Contains("PNG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_PngCutInTheImageData_RejectedAsCorrupt()
    {
        // Arrange
        byte[] png = TestImages.EncodePattern(64, 48, new PngEncoder());

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(png.AsMemory(0, png.Length / 2)));

        // Assert
        Assert.Equal(ImageRejection.Corrupt, ex.Rejection);
    }

    [Fact]
    public void Decode_RandomBytes_RejectedAsUnsupportedListingAcceptedFormats()
    {
        // Arrange
        byte[] random = new byte[4096];
        new Random(42).NextBytes(random);

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(random));

        // Assert
        Assert.Equal(ImageRejection.UnsupportedFormat, ex.Rejection);
        Assert.Contains("JPEG, PNG, WebP, GIF, BMP, TIFF", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Tga_RejectedAsUnsupported()
    {
        // Arrange: ImageSharp can read TGA, but the dedicated configuration does not register it.
        byte[] tga = TestImages.EncodePattern(4, 4, new TgaEncoder());

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(tga));

        // Assert
        Assert.Equal(ImageRejection.UnsupportedFormat, ex.Rejection);
    }

    [Fact]
    public void Decode_Pbm_RejectedAsUnsupported()
    {
        // Arrange
        byte[] pbm = TestImages.EncodePattern(4, 4, new PbmEncoder());

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(pbm));

        // Assert
        Assert.Equal(ImageRejection.UnsupportedFormat, ex.Rejection);
    }

    [Fact]
    public void Decode_PdfHeader_RejectedAsUnsupported()
    {
        // Arrange
        byte[] pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n");

        // Act
        var ex = Assert.Throws<ImageRejectedException>(() => _decoder.Identify(pdf));

        // Assert
        Assert.Equal(ImageRejection.UnsupportedFormat, ex.Rejection);
    }

    [Fact]
    public void Decode_ArraySegmentInput_DecodesTheSliceOnly()
    {
        // Arrange: protobuf ByteString memory is often a slice of a larger array.
        byte[] png = TestImages.EncodePattern(3, 2, new PngEncoder());
        byte[] padded = [0xAA, 0xBB, .. png, 0xCC];

        // Act
        using DecodedImage decoded = _decoder.Decode(padded.AsMemory(2, png.Length));

        // Assert
        Assert.Equal(TestImages.PatternBytes(3, 2), decoded.Rgb.ToArray());
    }

    [Fact]
    public void Decode_ConcurrentCalls_ProduceIdenticalPixels()
    {
        // Arrange
        byte[] png = TestImages.EncodePattern(32, 32, new PngEncoder());
        byte[] expected = TestImages.PatternBytes(32, 32);
        byte[][] results = new byte[16][];

        // Act
        Parallel.For(0, results.Length, i =>
        {
            using DecodedImage decoded = _decoder.Decode(png);
            results[i] = decoded.Rgb.ToArray();
        });

        // Assert
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Dispose_DecodedImage_ReleasesPixels()
    {
        // Arrange
        DecodedImage decoded = _decoder.Decode(TestImages.EncodePattern(2, 2, new PngEncoder()));

        // Act
        decoded.Dispose();
        decoded.Dispose();

        // Assert
        Assert.Throws<ObjectDisposedException>(() => decoded.Rgb.Length);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(100, 0)]
    [InlineData(100, -1)]
    public void Constructor_NonPositiveLimits_Throw(long maxBytes, long maxPixels)
    {
        // Arrange
        var options = new ImagingOptions { MaxBytes = maxBytes, MaxPixels = maxPixels };

        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageSharpDecoder(options));
    }
}
