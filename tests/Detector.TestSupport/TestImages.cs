using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Detector.TestSupport;

/// <summary>Small encoded images made in memory for tests.</summary>
public static class TestImages
{
    public static byte[] SolidPng(int width, int height, byte r, byte g, byte b)
    {
        using Image<Rgb24> image = new(width, height, new Rgb24(r, g, b));
        using MemoryStream stream = new();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    /// <summary>A textured RGB image (deterministic pseudo-random pattern) as JPEG or PNG.</summary>
    public static byte[] Textured(int width, int height, bool jpeg, int seed = 1)
    {
        using Image<Rgb24> image = new(width, height);
        Random random = new(seed);
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<Rgb24> row = accessor.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = new Rgb24((byte)((x * 7) + random.Next(32)), (byte)((y * 5) + random.Next(32)), (byte)random.Next(256));
                }
            }
        });
        using MemoryStream stream = new();
        if (jpeg)
        {
            image.Save(stream, new JpegEncoder { Quality = 90 });
        }
        else
        {
            image.Save(stream, new PngEncoder());
        }

        return stream.ToArray();
    }

    /// <summary>A PNG whose header declares <paramref name="width"/> × <paramref name="height"/> but holds almost no data (a decompression bomb's header).</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        using MemoryStream s = new();
        s.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        WriteChunk(s, "IHDR", ihdr);
        WriteChunk(s, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(s, "IEND", []);
        return s.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        s.Write(length);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        s.Write(typeAndData);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, Crc(typeAndData));
        s.Write(length);
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
