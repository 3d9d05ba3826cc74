using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace Detector.Imaging.Tests;

/// <summary>Tiny images built in memory with ImageSharp's encoders or by hand; nothing touches the disk.</summary>
internal static class TestImages
{
    /// <summary>A deterministic colour pattern: R, G and B vary independently, so swapped channels or rows show.</summary>
    public static Rgb24 PatternPixel(int x, int y) => new((byte)((x * 40) + 7), (byte)((y * 50) + 3), (byte)(((x + y) * 30) + 11));

    public static Image<Rgb24> Pattern(int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = PatternPixel(x, y);
            }
        }

        return image;
    }

    /// <summary>Interleaved RGB8 bytes of <see cref="Pattern"/>.</summary>
    public static byte[] PatternBytes(int width, int height)
    {
        byte[] bytes = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                Rgb24 p = PatternPixel(x, y);
                int i = ((y * width) + x) * 3;
                bytes[i] = p.R;
                bytes[i + 1] = p.G;
                bytes[i + 2] = p.B;
            }
        }

        return bytes;
    }

    public static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    public static byte[] EncodePattern(int width, int height, IImageEncoder encoder)
    {
        using Image<Rgb24> image = Pattern(width, height);
        return Encode(image, encoder);
    }

    /// <summary>
    /// A PNG whose IHDR declares <paramref name="width"/> x <paramref name="height"/> RGB8 (with a valid CRC),
    /// followed by a tiny IDAT and IEND: the header of a decompression bomb without its payload.
    /// </summary>
    public static byte[] PngWithDeclaredSize(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        WriteChunk(stream, "IHDR", ihdr);

        using (var idat = new MemoryStream())
        {
            using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(new byte[64]);
            }

            WriteChunk(stream, "IDAT", idat.ToArray());
        }

        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>Inserts a chunk right after the IHDR of <paramref name="png"/> (with a valid CRC).</summary>
    public static byte[] PngWithChunkAfterHeader(byte[] png, string type, byte[] data)
    {
        const int SignatureAndHeader = 8 + 12 + 13;
        using var stream = new MemoryStream();
        stream.Write(png, 0, SignatureAndHeader);
        WriteChunk(stream, type, data);
        stream.Write(png, SignatureAndHeader, png.Length - SignatureAndHeader);
        return stream.ToArray();
    }

    /// <summary>A zTXt chunk's data: keyword, compression method 0, then <paramref name="textBytes"/> zero bytes zlib-compressed.</summary>
    public static byte[] CompressedTextChunk(string keyword, int textBytes)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            byte[] block = new byte[1 << 16];
            for (int written = 0; written < textBytes; written += block.Length)
            {
                zlib.Write(block, 0, Math.Min(block.Length, textBytes - written));
            }
        }

        return [.. Encoding.Latin1.GetBytes(keyword), 0, 0, .. compressed.ToArray()];
    }

    /// <summary>
    /// The start of an animated WebP (RIFF, VP8X with the animation flag, ANIM, one empty ANMF), enough for a
    /// decoder to see that it is an animation.
    /// </summary>
    public static byte[] AnimatedWebpHeader()
    {
        using var chunks = new MemoryStream();
        byte[] vp8x = new byte[10];
        vp8x[0] = 0x02; // animation flag
        vp8x[4] = 15; // canvas width - 1 (24-bit little-endian)
        vp8x[7] = 15; // canvas height - 1
        WriteRiffChunk(chunks, "VP8X", vp8x);
        WriteRiffChunk(chunks, "ANIM", new byte[6]);
        byte[] frame = new byte[24];
        frame[6] = 15; // frame width - 1
        frame[9] = 15; // frame height - 1
        WriteRiffChunk(chunks, "ANMF", frame);

        using var file = new MemoryStream();
        file.Write(Encoding.ASCII.GetBytes("RIFF"));
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(size, (int)chunks.Length + 4);
        file.Write(size);
        file.Write(Encoding.ASCII.GetBytes("WEBP"));
        chunks.WriteTo(file);
        return file.ToArray();
    }

    private static void WriteRiffChunk(Stream stream, string type, byte[] data)
    {
        stream.Write(Encoding.ASCII.GetBytes(type));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, data.Length);
        stream.Write(length);
        stream.Write(data);
        if (data.Length % 2 == 1)
        {
            stream.WriteByte(0);
        }
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        stream.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        stream.Write(crc);
    }

    /// <summary>CRC-32 (ISO-HDLC, as PNG uses), bit by bit: only a few bytes are ever hashed here.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
