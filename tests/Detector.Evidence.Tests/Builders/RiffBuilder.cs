using System.Buffers.Binary;
using System.Text;

namespace Detector.Evidence.Tests.Builders;

/// <summary>Writes WebP RIFF containers chunk by chunk (pad byte after odd sizes).</summary>
internal sealed class RiffBuilder
{
    private readonly List<(string FourCc, byte[] Data)> _chunks = [];

    public static byte[] WebP(params (string FourCc, byte[] Data)[] chunks)
    {
        RiffBuilder builder = new();
        builder.Chunk("VP8X", [0, 0, 0, 0, 63, 0, 0, 47, 0, 0]);
        foreach ((string fourCc, byte[] data) in chunks)
        {
            builder.Chunk(fourCc, data);
        }

        builder.Chunk("VP8L", [0x2F, 63, 0xC0, 0x0B, 0x00, 0x00]);
        return builder.Build();
    }

    public RiffBuilder Chunk(string fourCc, byte[] data)
    {
        _chunks.Add((fourCc, data));
        return this;
    }

    public byte[] Build(int sizeAdjust = 0)
    {
        using MemoryStream body = new();
        body.Write("WEBP"u8);
        foreach ((string fourCc, byte[] data) in _chunks)
        {
            body.Write(Encoding.ASCII.GetBytes(fourCc));
            byte[] size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)data.Length);
            body.Write(size);
            body.Write(data);
            if ((data.Length & 1) != 0)
            {
                body.WriteByte(0);
            }
        }

        using MemoryStream file = new();
        file.Write("RIFF"u8);
        Span<byte> total = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(total, (uint)(body.Length + sizeAdjust));
        file.Write(total);
        body.Position = 0;
        body.CopyTo(file);
        return file.ToArray();
    }
}
