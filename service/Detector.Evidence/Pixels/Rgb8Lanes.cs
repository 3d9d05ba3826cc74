using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Detector.Evidence.Pixels;

/// <summary>
/// Splits interleaved 8-bit pixels (three bytes each) into one <see cref="Vector256{T}"/> of ints per channel, eight
/// pixels at a time, so per-pixel integer or float arithmetic can run on all eight lanes at once.
/// </summary>
internal static class Rgb8Lanes
{
    /// <summary>Pixels per call.</summary>
    public const int Count = 8;

    /// <summary>Bytes a call reads from its offset: two 16-byte loads, the second at +12, so 4 past the 8 pixels.</summary>
    public const int BytesRead = 28;

    /// <summary>Shuffle picking byte 0 of each of four pixels into the low byte of an int lane (0x80 zeroes a byte).</summary>
    public static Vector128<byte> First => Vector128.Create(0, 0x80, 0x80, 0x80, 3, 0x80, 0x80, 0x80, 6, 0x80, 0x80, 0x80, 9, 0x80, 0x80, (byte)0x80);

    /// <summary>As <see cref="First"/> for byte 1 of each pixel.</summary>
    public static Vector128<byte> Second => Vector128.Create(1, 0x80, 0x80, 0x80, 4, 0x80, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 10, 0x80, 0x80, (byte)0x80);

    /// <summary>As <see cref="First"/> for byte 2 of each pixel.</summary>
    public static Vector128<byte> Third => Vector128.Create(2, 0x80, 0x80, 0x80, 5, 0x80, 0x80, 0x80, 8, 0x80, 0x80, 0x80, 11, 0x80, 0x80, (byte)0x80);

    /// <summary>
    /// The byte of each of pixels 0–7 of a <see cref="Load"/> that <paramref name="indices"/> selects
    /// (<see cref="First"/>, <see cref="Second"/> or <see cref="Third"/>), zero-extended to ints.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Channel(Vector128<byte> low, Vector128<byte> high, Vector128<byte> indices) =>
        Vector256.Create(Shuffle(low, indices), Shuffle(high, indices)).AsInt32();

    /// <summary>
    /// The two loads <see cref="Channel"/> takes: pixels 0–3 and 4–7 from <paramref name="offset"/>. The caller
    /// guarantees <see cref="BytesRead"/> bytes from there lie inside the buffer (see <see cref="VectorPixels"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<byte> Low, Vector128<byte> High) Load(ref byte start, int offset) =>
        (Vector128.LoadUnsafe(ref start, (nuint)offset), Vector128.LoadUnsafe(ref start, (nuint)(offset + 12)));

    /// <summary>
    /// Pixels from <paramref name="firstPixel"/> on that can be read with whole <see cref="Count"/>-pixel steps while
    /// staying inside <paramref name="buffer"/>, up to <paramref name="pixels"/>; the rest is left to scalar code.
    /// </summary>
    public static int VectorPixels(ReadOnlySpan<byte> buffer, int firstPixel, int pixels)
    {
        long fit = (buffer.Length - (firstPixel * 3L) - (BytesRead - (Count * 3))) / 3;
        long usable = Math.Clamp(Math.Min(fit, pixels), 0, pixels);
        return (int)(usable / Count * Count);
    }

    /// <summary>Reference to the first byte, for <see cref="Load"/>.</summary>
    public static ref byte Start(ReadOnlySpan<byte> buffer) => ref MemoryMarshal.GetReference(buffer);

    // Ssse3's pshufb where present; Vector128.Shuffle zeroes out-of-range indices (0x80) the same way elsewhere.
    private static Vector128<byte> Shuffle(Vector128<byte> value, Vector128<byte> indices) =>
        Ssse3.IsSupported ? Ssse3.Shuffle(value, indices) : Vector128.Shuffle(value, indices);
}
