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

    /// <summary>
    /// Shuffle picking byte 0 of each pixel into the low byte of an int lane (0x80 zeroes a byte), the same in both
    /// 128-bit halves: the low half holds pixels 0–3, the high half pixels 4–7 (see <see cref="Load"/>).
    /// </summary>
    public static Vector256<byte> First
    {
        // Inlined so the JIT sees a constant (the 32-argument Create is too large to inline on its own).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
            0, 0x80, 0x80, 0x80, 3, 0x80, 0x80, 0x80, 6, 0x80, 0x80, 0x80, 9, 0x80, 0x80, 0x80,
            0, 0x80, 0x80, 0x80, 3, 0x80, 0x80, 0x80, 6, 0x80, 0x80, 0x80, 9, 0x80, 0x80, (byte)0x80);
    }

    /// <summary>As <see cref="First"/> for byte 1 of each pixel.</summary>
    public static Vector256<byte> Second
    {
        // Inlined so the JIT sees a constant (the 32-argument Create is too large to inline on its own).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
            1, 0x80, 0x80, 0x80, 4, 0x80, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 10, 0x80, 0x80, 0x80,
            1, 0x80, 0x80, 0x80, 4, 0x80, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 10, 0x80, 0x80, (byte)0x80);
    }

    /// <summary>As <see cref="First"/> for byte 2 of each pixel.</summary>
    public static Vector256<byte> Third
    {
        // Inlined so the JIT sees a constant (the 32-argument Create is too large to inline on its own).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
            2, 0x80, 0x80, 0x80, 5, 0x80, 0x80, 0x80, 8, 0x80, 0x80, 0x80, 11, 0x80, 0x80, 0x80,
            2, 0x80, 0x80, 0x80, 5, 0x80, 0x80, 0x80, 8, 0x80, 0x80, 0x80, 11, 0x80, 0x80, (byte)0x80);
    }

    /// <summary>
    /// The byte of each of the eight pixels of a <see cref="Load"/> that <paramref name="indices"/> selects
    /// (<see cref="First"/>, <see cref="Second"/> or <see cref="Third"/>), zero-extended to ints.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Channel(Vector256<byte> pixels, Vector256<byte> indices)
    {
        // AVX2's vpshufb shuffles each 128-bit half on its own, which is all this needs; Vector128.Shuffle zeroes
        // out-of-range indices (0x80) the same way elsewhere.
        if (Avx2.IsSupported)
        {
            return Avx2.Shuffle(pixels, indices).AsInt32();
        }

        return Vector256.Create(
            Vector128.Shuffle(pixels.GetLower(), indices.GetLower()),
            Vector128.Shuffle(pixels.GetUpper(), indices.GetUpper())).AsInt32();
    }

    /// <summary>
    /// Pixels 0–3 in the low half and 4–7 in the high half, from two 16-byte loads at <paramref name="offset"/> and
    /// offset + 12. The caller guarantees <see cref="BytesRead"/> bytes from there lie inside the buffer (see
    /// <see cref="VectorPixels"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(ref byte start, int offset) =>
        Vector256.Create(Vector128.LoadUnsafe(ref start, (nuint)offset), Vector128.LoadUnsafe(ref start, (nuint)(offset + 12)));

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
}
