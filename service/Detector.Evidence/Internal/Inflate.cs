using System.IO.Compression;

namespace Detector.Evidence.Internal;

/// <summary>Outcome of a size-capped decompression.</summary>
internal enum InflateStatus
{
    Ok = 0,
    ExceededCap = 1,
    Corrupt = 2,
}

/// <summary>zlib and gzip decompression that stops at a size cap (zip bombs) and checks the work budget between blocks.</summary>
internal static class Inflate
{
    private const int BlockSize = 64 * 1024;

    public static InflateStatus Zlib(ReadOnlyMemory<byte> compressed, int maxOutput, WorkBudget budget, out byte[] output)
        => Run(compressed, maxOutput, budget, static s => new ZLibStream(s, CompressionMode.Decompress), out output);

    public static InflateStatus Gzip(ReadOnlyMemory<byte> compressed, int maxOutput, WorkBudget budget, out byte[] output)
        => Run(compressed, maxOutput, budget, static s => new GZipStream(s, CompressionMode.Decompress), out output);

    private static InflateStatus Run(ReadOnlyMemory<byte> compressed, int maxOutput, WorkBudget budget, Func<Stream, Stream> open, out byte[] output)
    {
        output = [];
        using MemoryStream result = new();
        try
        {
            using ReadOnlyMemoryStream source = new(compressed);
            using Stream inflater = open(source);
            byte[] block = new byte[BlockSize];
            while (true)
            {
                budget.CheckNow();
                int room = maxOutput - (int)result.Length;
                int read = inflater.Read(block, 0, Math.Min(block.Length, room + 1));
                if (read == 0)
                {
                    break;
                }

                if (read > room)
                {
                    return InflateStatus.ExceededCap;
                }

                result.Write(block, 0, read);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // IOException covers ZLibException, raised for example by a zlib header asking for a preset dictionary
            // (found by fuzzing).
            return InflateStatus.Corrupt;
        }

        output = result.ToArray();
        return InflateStatus.Ok;
    }
}

/// <summary>A read-only, non-copying stream over a <see cref="ReadOnlyMemory{T}"/>.</summary>
internal sealed class ReadOnlyMemoryStream : Stream
{
    private readonly ReadOnlyMemory<byte> _memory;
    private int _position;

    public ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _memory.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _memory.Length - _position);
        if (n <= 0)
        {
            return 0;
        }

        _memory.Span.Slice(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
