using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Detector.Evidence.Tests.Builders;

/// <summary>Writes PNG files chunk by chunk with correct CRCs (or a deliberately bad one).</summary>
internal sealed class PngBuilder
{
    private readonly MemoryStream _stream = new();

    public PngBuilder()
    {
        _stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    }

    /// <summary>A valid 8-bit RGB or RGBA PNG of the given pixels (interleaved), rows filtered with the given filter types in turn.</summary>
    public static byte[] Image(int width, int height, byte[] pixels, bool alpha, Action<PngBuilder>? extraChunks = null, byte[]? filters = null)
    {
        PngBuilder builder = new();
        builder.Header(width, height, 8, (byte)(alpha ? 6 : 2));
        extraChunks?.Invoke(builder);
        builder.ImageData(width, height, alpha ? 4 : 3, pixels, filters ?? [0]);
        return builder.End().Build();
    }

    /// <summary>A tiny valid RGB PNG (2x2) with extra chunks before IDAT.</summary>
    public static byte[] Small(Action<PngBuilder> extraChunks) => Image(2, 2, new byte[12], alpha: false, extraChunks);

    public PngBuilder Header(int width, int height, byte bitDepth, byte colorType, byte interlace = 0)
    {
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        ihdr[12] = interlace;
        return Chunk("IHDR", ihdr);
    }

    public PngBuilder ImageData(int width, int height, int channels, byte[] pixels, byte[] filters)
    {
        int rowBytes = width * channels;
        using MemoryStream raw = new();
        byte[] previous = new byte[rowBytes];
        for (int y = 0; y < height; y++)
        {
            byte filter = filters[y % filters.Length];
            byte[] row = pixels.AsSpan(y * rowBytes, rowBytes).ToArray();
            raw.WriteByte(filter);
            byte[] filtered = new byte[rowBytes];
            for (int i = 0; i < rowBytes; i++)
            {
                int a = i >= channels ? row[i - channels] : 0;
                int b = previous[i];
                int c = i >= channels ? previous[i - channels] : 0;
                int predictor = filter switch
                {
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => 0,
                };
                filtered[i] = (byte)(row[i] - predictor);
            }

            raw.Write(filtered);
            previous = row;
        }

        return Chunk("IDAT", Zlib(raw.ToArray()));
    }

    public PngBuilder End() => Chunk("IEND", []);

    public PngBuilder Chunk(string type, byte[] data, bool badCrc = false)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        _stream.Write(header);
        _stream.Write(data);
        byte[] crcInput = [.. header[4..].ToArray(), .. data];
        uint crc = TestCrc.Compute(crcInput) ^ (badCrc ? 0xDEADBEEFu : 0u);
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        _stream.Write(crcBytes);
        return this;
    }

    /// <summary>tEXt: keyword, NUL, text (encoded as given: Latin-1 by the spec, UTF-8 by some tools).</summary>
    public PngBuilder Text(string keyword, string text, Encoding? encoding = null, bool badCrc = false)
        => Chunk("tEXt", [.. Encoding.Latin1.GetBytes(keyword), 0, .. (encoding ?? Encoding.Latin1).GetBytes(text)], badCrc);

    public PngBuilder CompressedText(string keyword, string text) => CompressedText(keyword, Encoding.Latin1.GetBytes(text));

    public PngBuilder CompressedText(string keyword, byte[] raw) => Chunk("zTXt", [.. Encoding.Latin1.GetBytes(keyword), 0, 0, .. Zlib(raw)]);

    public PngBuilder InternationalText(string keyword, string text, bool compressed = false, string language = "", string translated = "")
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        return Chunk("iTXt", [.. Encoding.Latin1.GetBytes(keyword), 0, (byte)(compressed ? 1 : 0), 0, .. Encoding.ASCII.GetBytes(language), 0, .. Encoding.UTF8.GetBytes(translated), 0, .. (compressed ? Zlib(body) : body)]);
    }

    public byte[] Build() => _stream.ToArray();

    public static byte[] Zlib(byte[] data)
    {
        using MemoryStream output = new();
        using (ZLibStream z = new(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using MemoryStream output = new();
        using (GZipStream z = new(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(data);
        }

        return output.ToArray();
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
