using System.Buffers.Binary;
using System.Text;

namespace Detector.Evidence.Tests.Builders;

/// <summary>Writes JPEG marker structure (segments with lengths); the entropy-coded data is filler, not a decodable image.</summary>
internal sealed class JpegBuilder
{
    private readonly MemoryStream _stream = new();

    public JpegBuilder()
    {
        _stream.Write([0xFF, 0xD8]);
    }

    /// <summary>SOI, the given segments, standard DQT at quality 75, SOF0, DHT-less SOS with filler, EOI.</summary>
    public static byte[] Simple(Action<JpegBuilder>? segments = null, int quality = 75, int width = 64, int height = 48)
    {
        JpegBuilder builder = new();
        segments?.Invoke(builder);
        builder.Dqt(quality).Sof0(width, height).ScanAndEnd();
        return builder.Build();
    }

    public JpegBuilder Segment(byte marker, byte[] payload)
    {
        _stream.WriteByte(0xFF);
        _stream.WriteByte(marker);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)(payload.Length + 2));
        _stream.Write(length);
        _stream.Write(payload);
        return this;
    }

    public JpegBuilder App(int n, byte[] payload) => Segment((byte)(0xE0 + n), payload);

    public JpegBuilder Exif(byte[] tiff) => App(1, [.. "Exif\0\0"u8.ToArray(), .. tiff]);

    public JpegBuilder Xmp(string packet) => App(1, [.. Encoding.ASCII.GetBytes("http://ns.adobe.com/xap/1.0/\0"), .. Encoding.UTF8.GetBytes(packet)]);

    /// <summary>A JUMBF store split into APP11 segments of at most <paramref name="maxBoxBytesPerSegment"/> box bytes each.</summary>
    public JpegBuilder Jumbf(byte[] store, int maxBoxBytesPerSegment = 65000, ushort instance = 1)
    {
        byte[] headerBoxBytes = store[..8];
        int pos = 8;
        uint sequence = 1;
        bool first = true;
        while (first || pos < store.Length)
        {
            int take = Math.Min(maxBoxBytesPerSegment, store.Length - pos);
            List<byte> payload = [0x4A, 0x50, (byte)(instance >> 8), (byte)instance];
            byte[] z = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(z, sequence++);
            payload.AddRange(z);
            payload.AddRange(headerBoxBytes);
            payload.AddRange(store.AsSpan(pos, take).ToArray());
            App(11, [.. payload]);
            pos += take;
            first = false;
        }

        return this;
    }

    public JpegBuilder Dqt(int quality)
    {
        List<byte> payload = [];
        for (int id = 0; id < 2; id++)
        {
            int[] natural = StandardTables.Scaled(id == 0 ? StandardTables.Luminance : StandardTables.Chrominance, quality);
            payload.Add((byte)id);
            for (int i = 0; i < 64; i++)
            {
                payload.Add((byte)natural[StandardTables.ZigZag[i]]);
            }
        }

        return Segment(0xDB, [.. payload]);
    }

    public JpegBuilder DqtRaw(byte[] payload) => Segment(0xDB, payload);

    public JpegBuilder Sof0(int width, int height)
    {
        byte[] payload = [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1];
        return Segment(0xC0, payload);
    }

    /// <summary>SOS header, filler entropy data containing stuffed 0xFF00 and a restart marker, then EOI.</summary>
    public JpegBuilder ScanAndEnd()
    {
        Segment(0xDA, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
        _stream.Write([0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0x9A]);
        _stream.Write([0xFF, 0xD9]);
        return this;
    }

    public JpegBuilder Raw(byte[] bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public byte[] Build() => _stream.ToArray();
}

/// <summary>The ITU-T T.81 Annex K tables, written out here independently of the library's copy.</summary>
internal static class StandardTables
{
    public static readonly int[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    public static readonly int[] Luminance =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    public static readonly int[] Chrominance =
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ];

    public static int[] Scaled(int[] table, int quality)
    {
        int scale = quality < 50 ? 5000 / quality : 200 - (2 * quality);
        return [.. table.Select(v => Math.Clamp(((v * scale) + 50) / 100, 1, 255))];
    }
}
