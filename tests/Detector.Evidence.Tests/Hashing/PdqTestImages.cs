namespace Detector.Evidence.Tests.Hashing;

/// <summary>Deterministic RGB8 images for the PDQ tests (shared ones are in <see cref="RgbImages"/>).</summary>
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
}
