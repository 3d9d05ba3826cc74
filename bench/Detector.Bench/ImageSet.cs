using Google.Protobuf;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Detector.Bench;

/// <summary>One encoded image, held in memory for the whole run (never written anywhere).</summary>
internal sealed class BenchImage
{
    public BenchImage(string name, byte[] data, string format)
    {
        Name = name;
        Data = data;
        Format = format;
        Wire = UnsafeByteOperations.UnsafeWrap(data);
    }

    public string Name { get; }

    public byte[] Data { get; }

    public string Format { get; }

    /// <summary>The bytes as a protobuf field without a copy per request.</summary>
    public ByteString Wire { get; }
}

/// <summary>The images of a run: a fixed, deterministic sample of JPEGs and PNGs of mixed sizes, loaded once.</summary>
internal sealed class ImageSet
{
    private ImageSet(IReadOnlyList<BenchImage> images, string source)
    {
        Images = images;
        Source = source;
    }

    public IReadOnlyList<BenchImage> Images { get; }

    public string Source { get; }

    public int Count => Images.Count;

    public BenchImage this[long sequence] => Images[(int)(sequence % Images.Count)];

    /// <summary>
    /// Every <c>k</c>-th file of synthetic/ and manipulation/ (ordinal path order), so that the sample keeps the folder's mix of
    /// formats, generators and sizes, and is the same on every run.
    /// </summary>
    public static ImageSet LoadSample(string dataDirectory, int count)
    {
        string[] roots = [Path.Combine(dataDirectory, "synthetic"), Path.Combine(dataDirectory, "manipulation")];
        List<string> files = [];
        foreach (string root in roots)
        {
            if (Directory.Exists(root))
            {
                files.AddRange(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(IsJpegOrPng));
            }
        }

        if (files.Count == 0)
        {
            throw new InvalidOperationException($"no JPEG or PNG under {string.Join(" or ", roots)} (use --data DIR or --synthetic-images)");
        }

        files.Sort(StringComparer.Ordinal);
        double step = Math.Max(1.0, files.Count / (double)count);
        List<BenchImage> images = [];
        for (double i = 0; i < files.Count && images.Count < count; i += step)
        {
            string file = files[(int)i];
            string format = Path.GetExtension(file).Equals(".png", StringComparison.OrdinalIgnoreCase) ? "png" : "jpeg";
            images.Add(new BenchImage(Path.GetRelativePath(dataDirectory, file), File.ReadAllBytes(file), format));
        }

        return new ImageSet(images, $"{images.Count} of {files.Count} files under {dataDirectory} (synthetic/, manipulation/), every {step:F2}th in path order");
    }

    /// <summary>Random-noise JPEGs and PNGs of mixed sizes made in memory, for machines without the data folder.</summary>
    public static ImageSet Generate(int count)
    {
        (int Width, int Height)[] sizes = [(240, 240), (512, 512), (1024, 768), (697, 466), (1400, 1064), (256, 256)];
        Random random = new(20251128);
        List<BenchImage> images = [];
        for (int i = 0; i < count; i++)
        {
            (int width, int height) = sizes[i % sizes.Length];
            using Image<Rgb24> image = new(width, height);
            image.ProcessPixelRows(accessor =>
            {
                for (int y = 0; y < accessor.Height; y++)
                {
                    Span<Rgb24> row = accessor.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                    {
                        // Smooth gradients with noise: compresses like a photo more than pure noise does.
                        byte n = (byte)random.Next(0, 32);
                        row[x] = new Rgb24((byte)((x * 255 / width) ^ n), (byte)((y * 255 / height) + n), (byte)(((x + y) & 0xFF) ^ n));
                    }
                }
            });
            using MemoryStream stream = new();
            bool png = i % 3 == 0;
            if (png)
            {
                image.Save(stream, new PngEncoder());
            }
            else
            {
                image.Save(stream, new JpegEncoder { Quality = 90 });
            }

            images.Add(new BenchImage($"generated-{i}-{width}x{height}.{(png ? "png" : "jpg")}", stream.ToArray(), png ? "png" : "jpeg"));
        }

        return new ImageSet(images, $"{count} generated noise images in memory (JPEG and PNG, 240x240 to 1400x1064)");
    }

    /// <summary>"N images: a JPEG, b PNG, median bytes, total MB".</summary>
    public string Describe()
    {
        int jpeg = Images.Count(i => i.Format == "jpeg");
        long[] sizes = Images.Select(i => (long)i.Data.Length).Order().ToArray();
        return $"{Count} images ({jpeg} JPEG, {Count - jpeg} PNG), median {sizes[sizes.Length / 2] / 1024.0:F0} KiB, "
            + $"largest {sizes[^1] / 1024.0:F0} KiB, {sizes.Sum() / (1024.0 * 1024):F1} MiB in all; {Source}";
    }

    private static bool IsJpegOrPng(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".jpg" or ".jpeg" or ".png";
    }
}
