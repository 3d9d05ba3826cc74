using System.IO.Compression;
using Detector.Evidence.Containers;

namespace Detector.Evidence.Pixels;

/// <summary>
/// Decodes the rows of a non-interlaced 8- or 16-bit PNG (grey, grey+alpha, RGB, RGBA) one at a time, straight from the
/// IDAT chunks, so callers can stop early. 16-bit samples are reduced to their high byte. Limits are checked by the caller
/// (<see cref="IsSupported"/>) before any buffer is allocated.
/// </summary>
internal sealed class PngRowDecoder : IDisposable
{
    public const int MaxWidth = 65_535;

    private readonly PngHeader _header;
    private readonly ZLibStream _inflater;
    private readonly int _bytesPerPixel;
    private readonly int _sampleBytes;
    private byte[] _previous;
    private byte[] _current;
    private readonly byte[] _reduced;

    public PngRowDecoder(ReadOnlyMemory<byte> file, ContainerScan scan, PngHeader header)
    {
        _header = header;
        _sampleBytes = header.BitDepth / 8;
        _bytesPerPixel = header.Channels * _sampleBytes;
        int rowBytes = header.Width * _bytesPerPixel;
        _previous = new byte[rowBytes];
        _current = new byte[rowBytes];
        _reduced = _sampleBytes == 2 ? new byte[rowBytes / 2] : [];
        List<ReadOnlyMemory<byte>> parts = [];
        foreach (ContainerChunk chunk in scan.Chunks)
        {
            if (chunk.Type == "IDAT")
            {
                parts.Add(file.Slice(chunk.DataOffset, chunk.DataLength));
            }
        }

        _inflater = new ZLibStream(new ConcatenatedStream(parts), CompressionMode.Decompress);
    }

    public int Width => _header.Width;

    public int Height => _header.Height;

    public int Channels => _header.Channels;

    /// <summary>True when this decoder can read the image (non-interlaced, 8/16-bit, not palette) within the width cap.</summary>
    public static bool IsSupported(PngHeader header, out string reason)
    {
        reason = string.Empty;
        if (header.Interlace != 0)
        {
            reason = "the PNG is interlaced";
            return false;
        }

        if (header.BitDepth is not (8 or 16) || header.ColorType is not (0 or 2 or 4 or 6))
        {
            reason = $"bit depth {header.BitDepth} with colour type {header.ColorType} is not read";
            return false;
        }

        if (header.Width > MaxWidth)
        {
            reason = $"the width {header.Width} is over the {MaxWidth}-pixel cap";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Decodes the next row and returns it as 8-bit samples (<see cref="Channels"/> per pixel), or false when the image data
    /// ends or is corrupt.
    /// </summary>
    public bool TryReadRow(out ReadOnlySpan<byte> row)
    {
        row = default;
        Span<byte> filter = stackalloc byte[1];
        try
        {
            if (_inflater.ReadAtLeast(filter, 1, throwOnEndOfStream: false) != 1)
            {
                return false;
            }

            if (_inflater.ReadAtLeast(_current, _current.Length, throwOnEndOfStream: false) != _current.Length)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return false;
        }

        if (!Unfilter(filter[0]))
        {
            return false;
        }

        if (_sampleBytes == 2)
        {
            for (int i = 0, j = 0; j < _current.Length; i++, j += 2)
            {
                _reduced[i] = _current[j];
            }

            row = _reduced;
        }
        else
        {
            row = _current;
        }

        // The row just decoded becomes the filter reference of the next one; 'row' still views it until the next call.
        (_previous, _current) = (_current, _previous);
        return true;
    }

    private bool Unfilter(byte filter)
    {
        Span<byte> cur = _current;
        ReadOnlySpan<byte> prev = _previous;
        int bpp = _bytesPerPixel;
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (int i = bpp; i < cur.Length; i++)
                {
                    cur[i] += cur[i - bpp];
                }

                return true;
            case 2:
                for (int i = 0; i < cur.Length; i++)
                {
                    cur[i] += prev[i];
                }

                return true;
            case 3:
                for (int i = 0; i < cur.Length; i++)
                {
                    int left = i >= bpp ? cur[i - bpp] : 0;
                    cur[i] += (byte)((left + prev[i]) >> 1);
                }

                return true;
            case 4:
                for (int i = 0; i < cur.Length; i++)
                {
                    int a = i >= bpp ? cur[i - bpp] : 0;
                    int b = prev[i];
                    int c = i >= bpp ? prev[i - bpp] : 0;
                    int p = a + b - c;
                    int pa = Math.Abs(p - a);
                    int pb = Math.Abs(p - b);
                    int pc = Math.Abs(p - c);
                    cur[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }

                return true;
            default:
                return false;
        }
    }

    public void Dispose() => _inflater.Dispose();

    /// <summary>Reads several memory slices (the IDAT chunks) as one stream, without copying them together.</summary>
    private sealed class ConcatenatedStream : Stream
    {
        private readonly List<ReadOnlyMemory<byte>> _parts;
        private int _part;
        private int _offset;

        public ConcatenatedStream(List<ReadOnlyMemory<byte>> parts)
        {
            _parts = parts;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_part < _parts.Count)
            {
                ReadOnlySpan<byte> part = _parts[_part].Span;
                int left = part.Length - _offset;
                if (left > 0)
                {
                    int n = Math.Min(left, buffer.Length);
                    part.Slice(_offset, n).CopyTo(buffer);
                    _offset += n;
                    return n;
                }

                _part++;
                _offset = 0;
            }

            return 0;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
