using System.Buffers;

namespace Detector.Imaging.Decoding;

/// <summary>
/// Decoded pixels as interleaved 8-bit RGB (row-major, 3 bytes a pixel), in a pooled buffer.
/// Alpha is dropped without compositing and grey is replicated, as PIL's convert('RGB') does.
/// Dispose returns the buffer to the pool.
/// </summary>
public sealed class DecodedImage : IDisposable
{
    private byte[]? _buffer;

    public DecodedImage(ImageHeader header, int width, int height, byte[] pooledBuffer, bool isGrayscale)
    {
        ArgumentNullException.ThrowIfNull(pooledBuffer);
        if (pooledBuffer.Length < (long)width * height * 3)
        {
            throw new ArgumentException("Buffer smaller than width * height * 3.", nameof(pooledBuffer));
        }

        Header = header;
        Width = width;
        Height = height;
        IsGrayscale = isGrayscale;
        _buffer = pooledBuffer;
    }

    public ImageHeader Header { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>True when the source had one grey channel (R = G = B), so a luma model can read it directly.</summary>
    public bool IsGrayscale { get; }

    /// <summary>Interleaved RGB8 pixels, Width * Height * 3 bytes.</summary>
    public ReadOnlySpan<byte> Rgb => RgbMemory.Span;

    /// <summary>The same pixels as memory, for consumers that hold them across an await (valid until Dispose).</summary>
    public ReadOnlyMemory<byte> RgbMemory => (_buffer ?? throw new ObjectDisposedException(nameof(DecodedImage))).AsMemory(0, Width * Height * 3);

    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
