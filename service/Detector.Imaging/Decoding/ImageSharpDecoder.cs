using System.Buffers;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using ISImageDecoder = SixLabors.ImageSharp.Formats.IImageDecoder;

namespace Detector.Imaging.Decoding;

/// <summary>
/// <see cref="IImageDecoder"/> on SixLabors.ImageSharp 2.1.13. Checks, in order: empty, byte limit, format,
/// header (Identify), pixel limit; only then decodes the first frame into RGB8. Bad input only ever
/// surfaces as <see cref="ImageRejectedException"/>. EXIF orientation is reported, never applied.
/// Thread-safe: the configuration and decoders are immutable after construction.
/// </summary>
public sealed class ImageSharpDecoder : IImageDecoder
{
    /// <summary>Formats named in the rejection message, in the order of <see cref="ImageFormatKind"/>.</summary>
    public const string AcceptedFormats = "JPEG, PNG, WebP, GIF, BMP, TIFF";

    // Pool retained between requests; large images beyond it are allocated and freed per call.
    private const int PoolSizeMegabytes = 64;

    // Text a PNG may carry (compressed chunks counted inflated) before its metadata is ignored: see PngStructure.
    private const long PngTextBudgetBytes = 1024 * 1024;

    private readonly Configuration _configuration;
    private readonly long _maxBytes;
    private readonly long _maxPixels;
    private readonly int _allocationLimitMegabytes;
    private readonly ISImageDecoder _jpegDecoder = new JpegDecoder();
    private readonly ISImageDecoder _pngDecoder = new PngDecoder();
    private readonly ISImageDecoder _pngDecoderWithoutMetadata = new PngDecoder { IgnoreMetadata = true };
    private readonly ISImageDecoder _webpDecoder = new WebpDecoder();
    private readonly ISImageDecoder _gifDecoder = new GifDecoder { DecodingMode = FrameDecodingMode.First };
    private readonly ISImageDecoder _bmpDecoder = new BmpDecoder();
    private readonly ISImageDecoder _tiffDecoder = new TiffDecoder { DecodingMode = FrameDecodingMode.First };

    public ImageSharpDecoder()
        : this(new ImagingOptions())
    {
    }

    /// <summary>The largest <see cref="ImagingOptions.MaxPixels"/> this decoder supports: its RGB8 output is one array.</summary>
    public static long MaxSupportedPixels => Array.MaxLength / 3;

    public ImageSharpDecoder(ImagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, 1L, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPixels, 1L, nameof(options));

        // The RGB8 output lives in one pooled array, so 3 bytes a pixel must fit in an array.
        if (options.MaxPixels > MaxSupportedPixels)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPixels, $"MaxPixels must be at most {MaxSupportedPixels}.");
        }

        _maxBytes = options.MaxBytes;
        _maxPixels = options.MaxPixels;

        // One buffer of 4 bytes a pixel (Rgba32-sized) covers the Rgb24 image, JPEG coefficient planes and
        // PNG/TIFF row buffers of any image under the pixel limit; anything bigger is a malformed file
        // trying to make the decoder allocate, and fails with InvalidMemoryOperationException.
        _allocationLimitMegabytes = (int)Math.Min(int.MaxValue, (_maxPixels * 4 / (1024 * 1024)) + 16);

        // Only the six accepted formats: TGA, PBM and others are not registered, so they are "unsupported".
        _configuration = new Configuration(
            new JpegConfigurationModule(),
            new PngConfigurationModule(),
            new WebpConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new TiffConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                MaximumPoolSizeMegabytes = PoolSizeMegabytes,
                AllocationLimitMegabytes = _allocationLimitMegabytes,
            }),
        };

        // Multi-frame formats: decode the first frame only (an animation's other frames would cost memory for nothing).
        _configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, _gifDecoder);
        _configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, _tiffDecoder);
    }

    /// <inheritdoc />
    public ImageHeader Identify(ReadOnlyMemory<byte> data) => IdentifyCore(data).Header;

    /// <inheritdoc />
    public DecodedImage Decode(ReadOnlyMemory<byte> data)
    {
        (ImageHeader header, ISImageDecoder decoder) = IdentifyCore(data);
        string formatName = FormatName(header.Format);
        if (header.Format == ImageFormatKind.Jpeg && !JpegStructure.HasEndOfImageAfterScan(data.Span))
        {
            throw new ImageRejectedException(
                ImageRejection.Corrupt,
                "JPEG is truncated: its scan data ends without an end-of-image marker");
        }

        byte[]? buffer = null;
        try
        {
            using Stream stream = OpenRead(data);
            using Image<Rgb24> image = Image.Load<Rgb24>(_configuration, stream, decoder);

            // A frame larger than the header said (a TIFF whose first page differs, say) is checked again.
            long pixels = (long)image.Width * image.Height;
            if (pixels > _maxPixels)
            {
                throw TooManyPixels(image.Width, image.Height);
            }

            int width = image.Width;
            int height = image.Height;
            buffer = ArrayPool<byte>.Shared.Rent(checked(width * height * 3));
            CopyPixels(image, buffer);
            bool isGrayscale = IsSingleChannelGrey(header.Format, image.Metadata, image.Frames.RootFrame.Metadata);

            var decoded = new DecodedImage(header with { Width = width, Height = height }, width, height, buffer, isGrayscale);
            buffer = null;
            return decoded;
        }
        catch (ImageRejectedException)
        {
            throw;
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Rejected(formatName, "decode", ex);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private (ImageHeader Header, ISImageDecoder Decoder) IdentifyCore(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ImageRejectedException(ImageRejection.Empty, "image is empty (0 bytes)");
        }

        if (data.Length > _maxBytes)
        {
            throw new ImageRejectedException(
                ImageRejection.TooManyBytes,
                $"image is {data.Length} bytes, over the limit of {_maxBytes} bytes");
        }

        IImageFormat? format;
        try
        {
            format = Image.DetectFormat(_configuration, data.Span);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            format = null;
        }

        (ImageFormatKind kind, ISImageDecoder decoder) = format switch
        {
            JpegFormat => (ImageFormatKind.Jpeg, _jpegDecoder),
            PngFormat => (ImageFormatKind.Png, PngStructure.TextExceeds(data, PngTextBudgetBytes) ? _pngDecoderWithoutMetadata : _pngDecoder),
            WebpFormat => (ImageFormatKind.Webp, _webpDecoder),
            GifFormat => (ImageFormatKind.Gif, _gifDecoder),
            BmpFormat => (ImageFormatKind.Bmp, _bmpDecoder),
            TiffFormat => (ImageFormatKind.Tiff, _tiffDecoder),
            _ => throw new ImageRejectedException(
                ImageRejection.UnsupportedFormat,
                $"image format not recognised; accepted formats are {AcceptedFormats}"),
        };

        string formatName = FormatName(kind);
        IImageInfo? info;
        try
        {
            using Stream stream = OpenRead(data);
            info = ((IImageInfoDetector)decoder).Identify(_configuration, stream, CancellationToken.None);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Rejected(formatName, "read the header of", ex);
        }

        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageRejectedException(
                ImageRejection.Corrupt,
                $"{formatName} header is unreadable or declares no pixels");
        }

        // The decompression-bomb guard: decided on the declared size, before a single pixel is decoded.
        if ((long)info.Width * info.Height > _maxPixels)
        {
            throw TooManyPixels(info.Width, info.Height);
        }

        var header = new ImageHeader(
            kind,
            info.Width,
            info.Height,
            info.PixelType?.BitsPerPixel ?? 0,
            ColorModelOf(kind, info),
            ExifOrientationOf(info.Metadata));
        return (header, decoder);
    }

    private ImageRejectedException TooManyPixels(int width, int height) => new(
        ImageRejection.TooManyPixels,
        $"image declares {width}x{height} = {(long)width * height} pixels, over the limit of {_maxPixels}");

    private ImageRejectedException Rejected(string formatName, string stage, Exception ex) => ex switch
    {
        // ImageSharp wraps allocator refusals in InvalidImageContentException; the inner exception says which it was.
        InvalidMemoryOperationException or { InnerException: InvalidMemoryOperationException } => new ImageRejectedException(
            ImageRejection.TooManyPixels,
            $"cannot {stage} this {formatName}: it needs a buffer over the {_allocationLimitMegabytes} MB allocation limit ({ex.Message})",
            ex),
        NotSupportedException => new ImageRejectedException(
            ImageRejection.UnsupportedFormat,
            $"cannot {stage} this {formatName}: it uses a feature the decoder does not support ({ex.Message})",
            ex),
        _ => new ImageRejectedException(
            ImageRejection.Corrupt,
            $"cannot {stage} this {formatName}: the data is truncated or malformed ({ex.Message})",
            ex),
    };

    /// <summary>
    /// Everything a decoder can throw on hostile bytes: ImageSharp's own exceptions and the runtime ones that
    /// malformed data provokes inside it. Out-of-memory and similar process-level conditions are not bad input.
    /// </summary>
    private static bool IsDecoderFailure(Exception ex) =>
        ex is not (OutOfMemoryException or InsufficientExecutionStackException);

    private static Stream OpenRead(ReadOnlyMemory<byte> data)
    {
        // Array-backed memory (protobuf ByteString, byte[]) is wrapped without a copy; anything else is copied once.
        return MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
    }

    private static void CopyPixels(Image<Rgb24> image, byte[] destination)
    {
        int rowBytes = image.Width * 3;
        image.ProcessPixelRows(accessor =>
        {
            Span<byte> target = destination;
            for (int y = 0; y < accessor.Height; y++)
            {
                // Rgb24 is three bytes R, G, B: the row as bytes is already interleaved RGB8.
                Span<Rgb24> row = accessor.GetRowSpan(y);
                MemoryMarshal.AsBytes(row).CopyTo(target.Slice(y * rowBytes, row.Length * 3));
            }
        });
    }

    private static string FormatName(ImageFormatKind kind) => kind switch
    {
        ImageFormatKind.Jpeg => "JPEG",
        ImageFormatKind.Png => "PNG",
        ImageFormatKind.Webp => "WebP",
        ImageFormatKind.Gif => "GIF",
        ImageFormatKind.Bmp => "BMP",
        ImageFormatKind.Tiff => "TIFF",
        _ => kind.ToString(),
    };

    private static string ColorModelOf(ImageFormatKind kind, IImageInfo info)
    {
        bool hasAlpha = info.PixelType?.AlphaRepresentation is { } alpha && alpha != PixelAlphaRepresentation.None;
        int bits = info.PixelType?.BitsPerPixel ?? 0;
        ImageMetadata metadata = info.Metadata;
        switch (kind)
        {
            case ImageFormatKind.Png:
                return metadata.GetPngMetadata().ColorType switch
                {
                    PngColorType.Grayscale => "gray",
                    PngColorType.GrayscaleWithAlpha => "gray-alpha",
                    PngColorType.Palette => "palette",
                    PngColorType.RgbWithAlpha => "rgba",
                    _ => "rgb",
                };
            case ImageFormatKind.Jpeg:
                return metadata.GetJpegMetadata().ColorType switch
                {
                    JpegColorType.Luminance => "gray",
                    JpegColorType.Cmyk => "cmyk",
                    _ => bits == 32 ? "cmyk" : "rgb",
                };
            case ImageFormatKind.Gif:
                return "palette";
            case ImageFormatKind.Bmp:
                return bits <= 8 ? "palette" : hasAlpha || bits == 32 ? "rgba" : "rgb";
            default:
                // WebP and TIFF: their header metadata here says too little; the pixel type is the best guess.
                return hasAlpha ? "rgba" : bits is > 0 and <= 16 ? "gray" : "rgb";
        }
    }

    /// <summary>True for sources with one grey channel and no alpha, as PIL's mode "L" (a luma model then reads the grey value).</summary>
    private static bool IsSingleChannelGrey(ImageFormatKind kind, ImageMetadata metadata, ImageFrameMetadata frameMetadata) => kind switch
    {
        ImageFormatKind.Png => metadata.GetPngMetadata().ColorType == PngColorType.Grayscale,
        ImageFormatKind.Jpeg => metadata.GetJpegMetadata().ColorType == JpegColorType.Luminance,
        ImageFormatKind.Tiff => frameMetadata.GetTiffMetadata() is { } tiff
            && tiff.PhotometricInterpretation is TiffPhotometricInterpretation.BlackIsZero or TiffPhotometricInterpretation.WhiteIsZero
            && tiff.BitsPerSample is { Channels: 1 },
        _ => false,
    };

    private static int ExifOrientationOf(ImageMetadata metadata)
    {
        try
        {
            // Reported only: PIL, torchvision and Keras ignore it in training, and forensics wants the stored pixels.
            IExifValue<ushort>? value = metadata.ExifProfile?.GetValue(ExifTag.Orientation);
            return value is not null && value.Value is >= 1 and <= 8 ? value.Value : 0;
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            // A malformed EXIF block is not a reason to refuse the pixels.
            return 0;
        }
    }
}
