namespace Detector.Evidence.Tests.Watermark;

/// <summary>Deterministic RGB8 images for the watermark tests (shared ones are in <see cref="RgbImages"/>).</summary>
internal static class WatermarkTestImages
{
    /// <summary>
    /// Smooth colour waves plus uniform noise of ±<paramref name="noise"/> per channel. With ±60 each block's largest
    /// coefficient stands clear of the others and every payload round-trips exactly; with ±12 moving it to its target
    /// lets a neighbour take the argmax in some blocks, and a few bits are lost (the reference embedder does the same).
    /// </summary>
    public static byte[] Textured(int width, int height, int seed = 7, int noise = 60)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int p = ((y * width) + x) * 3;
                double r = 128 + (45 * Math.Sin(x / 23.0)) + (20 * Math.Cos(y / 17.0));
                double g = 128 + (40 * Math.Cos((x + y) / 31.0));
                double b = 128 + (50 * Math.Sin((x - y) / 19.0));
                rgb[p] = Clip(r + random.Next(-noise, noise + 1));
                rgb[p + 1] = Clip(g + random.Next(-noise, noise + 1));
                rgb[p + 2] = Clip(b + random.Next(-noise, noise + 1));
            }
        }

        return rgb;
    }

    /// <summary>A smooth diagonal gradient in each channel.</summary>
    public static byte[] Gradient(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int p = ((y * width) + x) * 3;
                rgb[p] = (byte)(255 * x / Math.Max(1, width - 1));
                rgb[p + 1] = (byte)(255 * y / Math.Max(1, height - 1));
                rgb[p + 2] = (byte)(255 * (x + y) / Math.Max(1, width + height - 2));
            }
        }

        return rgb;
    }

    /// <summary>
    /// Integer hash noise, reproducible outside .NET (the golden vectors were computed from it with OpenCV and pywt):
    /// h = x·0x9E3779B1 + y·0x85EBCA77 + c·0xC2B2AE3D (mod 2³²), then xor-shift-multiply, byte 1 of the result.
    /// </summary>
    public static byte[] HashNoise(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    rgb[(((y * width) + x) * 3) + c] = Hash((uint)x, (uint)y, (uint)c);
                }
            }
        }

        return rgb;
    }

    /// <summary><see cref="HashNoise"/> at 1/6 resolution, each value repeated over a 6×6 tile: flat areas, edges and ties.</summary>
    public static byte[] HashTiles(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    rgb[(((y * width) + x) * 3) + c] = Hash((uint)(x / 6), (uint)(y / 6), (uint)c);
                }
            }
        }

        return rgb;
    }

    /// <summary>Drops the first <paramref name="columns"/> columns.</summary>
    public static byte[] CropLeft(byte[] rgb, int width, int height, int columns)
    {
        int newWidth = width - columns;
        var output = new byte[newWidth * height * 3];
        for (int y = 0; y < height; y++)
        {
            Array.Copy(rgb, ((y * width) + columns) * 3, output, y * newWidth * 3, newWidth * 3);
        }

        return output;
    }

    private static byte Hash(uint x, uint y, uint c)
    {
        unchecked
        {
            uint h = (x * 0x9E3779B1u) + (y * 0x85EBCA77u) + (c * 0xC2B2AE3Du);
            h ^= h >> 15;
            h *= 0x2C1B3C6Du;
            h ^= h >> 12;
            h *= 0x297A2D39u;
            h ^= h >> 15;
            return (byte)(h >> 8);
        }
    }

    private static byte Clip(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
