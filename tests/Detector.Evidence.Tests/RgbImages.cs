using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Detector.Evidence.Tests;

/// <summary>Interleaved RGB8 images and the degradations (JPEG, resize) that the pixel-signal tests share.</summary>
internal static class RgbImages
{
    public static byte[] Noise(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        new Random(seed).NextBytes(rgb);
        return rgb;
    }

    public static byte[] Solid(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (int p = 0; p < rgb.Length; p += 3)
        {
            rgb[p] = r;
            rgb[p + 1] = g;
            rgb[p + 2] = b;
        }

        return rgb;
    }

    /// <summary>Encodes as JPEG at <paramref name="quality"/> with ImageSharp and decodes again.</summary>
    public static byte[] JpegRoundTrip(byte[] rgb, int width, int height, int quality)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
        stream.Position = 0;
        using Image<Rgb24> decoded = Image.Load<Rgb24>(stream);
        var output = new byte[width * height * 3];
        decoded.CopyPixelDataTo(output);
        return output;
    }

    /// <summary>Resizes with ImageSharp's default bicubic resampler.</summary>
    public static byte[] Resize(byte[] rgb, int width, int height, int newWidth, int newHeight)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        image.Mutate(context => context.Resize(newWidth, newHeight));
        var output = new byte[newWidth * newHeight * 3];
        image.CopyPixelDataTo(output);
        return output;
    }
}
