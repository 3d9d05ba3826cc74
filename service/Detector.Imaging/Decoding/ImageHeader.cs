namespace Detector.Imaging.Decoding;

/// <summary>Container formats the service accepts.</summary>
public enum ImageFormatKind
{
    Jpeg,
    Png,
    Webp,
    Gif,
    Bmp,
    Tiff,
}

/// <summary>What the file's header says, read before any pixel is decoded.</summary>
/// <param name="Format">Container format.</param>
/// <param name="Width">Width in pixels as declared.</param>
/// <param name="Height">Height in pixels as declared.</param>
/// <param name="BitsPerPixel">Bits per pixel as declared.</param>
/// <param name="ColorModel">"rgb", "rgba", "gray", "gray-alpha", "palette", "cmyk" or "ycck"; best effort from the header.</param>
/// <param name="ExifOrientation">EXIF orientation tag 1-8 when present, 0 otherwise.</param>
public sealed record ImageHeader(
    ImageFormatKind Format,
    int Width,
    int Height,
    int BitsPerPixel,
    string ColorModel,
    int ExifOrientation)
{
    public long PixelCount => (long)Width * Height;

    public string FormatName => Format switch
    {
        ImageFormatKind.Jpeg => "jpeg",
        ImageFormatKind.Png => "png",
        ImageFormatKind.Webp => "webp",
        ImageFormatKind.Gif => "gif",
        ImageFormatKind.Bmp => "bmp",
        ImageFormatKind.Tiff => "tiff",
        _ => "unknown",
    };
}
