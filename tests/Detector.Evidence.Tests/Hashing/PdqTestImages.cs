using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Detector.Evidence.Tests.Hashing;

/// <summary>Deterministic RGB8 images for the PDQ tests.</summary>
internal static class PdqTestImages
{
    /// <summary>
    /// A photo-like scene with detail at every scale the hash looks at: about sixty overlapping rectangles of random
    /// colours and sizes (a Mondrian, broadband like a photograph), a soft wave across it, and mild noise.
    /// </summary>
    public static byte[] Scene(int width, int height, int seed = 1, int noise = 6)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        double fx = 2 + (random.NextDouble() * 5);
        double fy = 2 + (random.NextDouble() * 5);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double wave = 25 * Math.Sin((x * fx * Math.PI / width) + (y * 1.7 / height)) * Math.Cos(y * fy * Math.PI / height);
                for (int c = 0; c < 3; c++)
                {
                    rgb[(((y * width) + x) * 3) + c] = (byte)Math.Clamp(110 + wave + (c * 12), 0, 255);
                }
            }
        }

        for (int k = 0; k < 60; k++)
        {
            int w = Math.Max(1, (int)(width * (0.03 + (random.NextDouble() * 0.3))));
            int h = Math.Max(1, (int)(height * (0.03 + (random.NextDouble() * 0.3))));
            int x0 = random.Next(width);
            int y0 = random.Next(height);
            int[] shift = [random.Next(-70, 71), random.Next(-70, 71), random.Next(-70, 71)];
            for (int y = y0; y < Math.Min(height, y0 + h); y++)
            {
                for (int x = x0; x < Math.Min(width, x0 + w); x++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        int p = (((y * width) + x) * 3) + c;
                        rgb[p] = (byte)Math.Clamp(rgb[p] + (shift[c] / 2), 0, 255);
                    }
                }
            }
        }

        for (int p = 0; p < rgb.Length; p++)
        {
            rgb[p] = (byte)Math.Clamp(rgb[p] + random.Next(-noise, noise + 1), 0, 255);
        }

        return rgb;
    }

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

    /// <summary>Mirror left–right.</summary>
    public static byte[] FlipHorizontal(byte[] rgb, int width, int height)
    {
        var output = new byte[rgb.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                Array.Copy(rgb, ((y * width) + x) * 3, output, ((y * width) + (width - 1 - x)) * 3, 3);
            }
        }

        return output;
    }

    /// <summary>Rotate 90° clockwise; the result is height × width.</summary>
    public static byte[] Rotate90(byte[] rgb, int width, int height)
    {
        var output = new byte[rgb.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // (x, y) → (height − 1 − y, x) in an image of width 'height'.
                Array.Copy(rgb, ((y * width) + x) * 3, output, ((x * height) + (height - 1 - y)) * 3, 3);
            }
        }

        return output;
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
