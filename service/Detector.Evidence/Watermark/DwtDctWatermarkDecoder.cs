using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using Detector.Evidence.Pixels;

namespace Detector.Evidence.Watermark;

/// <summary>
/// Decodes the <c>invisible-watermark</c> <c>dwtDct</c> payload (ShieldMnt/invisible-watermark, <c>maxDct.py</c>)
/// from interleaved RGB8 pixels, the way Stability's <c>detect.py</c> does on a decoded PNG.
/// </summary>
/// <remarks>
/// <para>Steps, per docs/evidence.md §4: OpenCV's integer BGR→YUV, U plane only; crop to multiples of 4; one-level
/// Haar DWT approximation cA; 4×4 blocks of cA in row order, block n voting for bit n mod L; in each block the
/// coefficient with the largest |v| among the 15 after the first votes 1 when (|v| mod 36) &gt; 18; each bit is the
/// mean of its votes, set when mean·255 &gt; 127.</para>
/// <para>cA is computed with pywt's floating-point operations rather than the exact (a+b+c+d)/2: with
/// h = fl(1/√2), first down the columns p = h·x[2i+1] + h·x[2i], then along the rows cA = h·p[2j+1] + h·p[2j].
/// The two differ by an ulp or so, which decides the vote whenever |v| is an exact multiple of 18
/// (e.g. flat areas with U = 117, 126 or 135); this form reproduces the reference decisions exactly.</para>
/// <para>One pass, streaming, one band of 8 image rows at a time: U is computed eight pixels per vector into a pooled
/// buffer of 8 rows of ushorts; for each cA column the largest integer 2×2 sum S down the block is taken with vectors,
/// and since cA is S/2 to within 1e-12 the vote follows from S, except when S/2 lies exactly on a multiple of 18; those
/// blocks alone are evaluated in pywt's floating-point form above (see <see cref="BlockVote"/>). Votes are accumulated
/// per distinct payload length. Nothing proportional to the image is allocated.</para>
/// </remarks>
public static class DwtDctWatermarkDecoder
{
    /// <summary>The reference refuses images with rows × columns below 256 × 256.</summary>
    public const int MinimumPixelCount = 256 * 256;

    /// <summary>Quantisation step of the U channel (the library's default scales [0, 36, 36]; only U is read).</summary>
    public const int Scale = 36;

    private const int BlockSize = 4;
    private const double HalfScale = Scale * 0.5;

    /// <summary>fl(1/√2), pywt's Haar decomposition tap (0x3FE6A09E667F3BCD).</summary>
    private static readonly double HaarTap = Math.Sqrt(0.5);

    /// <summary>HaarTap · u for every 8-bit u: the first multiplication of the column pass, precomputed.</summary>
    private static readonly double[] TapTimesU = BuildTapTable();

    /// <summary>Decodes every <see cref="DwtDctPayload.Known"/> payload.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="rgb"/> is shorter than width × height × 3.</exception>
    public static DwtDctDecodeResult Decode(
        ReadOnlySpan<byte> rgb,
        int width,
        int height,
        DwtDctChannelOrder channelOrder = DwtDctChannelOrder.Reference) =>
        Decode(rgb, width, height, DwtDctPayload.Known.AsSpan(), channelOrder);

    /// <summary>Decodes the given payloads; payloads of the same length share one decode.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="rgb"/> is shorter than width × height × 3, or a payload is null.</exception>
    public static DwtDctDecodeResult Decode(
        ReadOnlySpan<byte> rgb,
        int width,
        int height,
        ReadOnlySpan<DwtDctPayload> payloads,
        DwtDctChannelOrder channelOrder = DwtDctChannelOrder.Reference)
    {
        Validate(rgb, width, height);
        if (!HasBlocks(width, height))
        {
            return new DwtDctDecodeResult(DwtDctDecodeStatus.TooSmall, channelOrder, 0, []);
        }

        // Distinct lengths, and for each its slice of the vote counters.
        int[] lengths = new int[payloads.Length];
        int distinct = 0;
        int totalBits = 0;
        foreach (DwtDctPayload payload in payloads)
        {
            ArgumentNullException.ThrowIfNull(payload, nameof(payloads));
            if (Array.IndexOf(lengths, payload.Length, 0, distinct) < 0)
            {
                lengths[distinct++] = payload.Length;
                totalBits += payload.Length;
            }
        }

        int[] ones = new int[totalBits];
        int[] totals = new int[totalBits];
        int blockCount = Accumulate(rgb, width, height, channelOrder, lengths.AsSpan(0, distinct), ones, totals);

        var results = ImmutableArray.CreateBuilder<DwtDctPayloadResult>(payloads.Length);
        foreach (DwtDctPayload payload in payloads)
        {
            int offset = 0;
            for (int k = 0; lengths[k] != payload.Length; k++)
            {
                offset += lengths[k];
            }

            ImmutableArray<bool> bits = ToBits(ones.AsSpan(offset, payload.Length), totals.AsSpan(offset, payload.Length));
            results.Add(Compare(payload, bits));
        }

        return new DwtDctDecodeResult(DwtDctDecodeStatus.Decoded, channelOrder, blockCount, results.MoveToImmutable());
    }

    /// <summary>
    /// Decodes <paramref name="length"/> bits whatever the message, as <c>WatermarkDecoder('bits', length)</c> does;
    /// empty when the image is too small.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or <paramref name="length"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="rgb"/> is shorter than width × height × 3.</exception>
    public static ImmutableArray<bool> DecodeBits(
        ReadOnlySpan<byte> rgb,
        int width,
        int height,
        int length,
        DwtDctChannelOrder channelOrder = DwtDctChannelOrder.Reference)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Validate(rgb, width, height);
        if (!HasBlocks(width, height))
        {
            return [];
        }

        int[] ones = new int[length];
        int[] totals = new int[length];
        Accumulate(rgb, width, height, channelOrder, [length], ones, totals);
        return ToBits(ones, totals);
    }

    private static void Validate(ReadOnlySpan<byte> rgb, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if ((long)width * height * 3 > rgb.Length)
        {
            throw new ArgumentException($"Expected at least {(long)width * height * 3} bytes of RGB8 for {width}x{height}, got {rgb.Length}.", nameof(rgb));
        }
    }

    /// <summary>At least 256×256 pixels, and at least one 4×4 block of the half-resolution plane (both sides ≥ 8).</summary>
    private static bool HasBlocks(int width, int height) =>
        (long)width * height >= MinimumPixelCount && width >= 2 * BlockSize && height >= 2 * BlockSize;

    /// <summary>
    /// Streams the image once and adds each block's vote to the counters of every length
    /// (<paramref name="ones"/>/<paramref name="totals"/> hold the lengths' slices back to back). Returns the block count.
    /// </summary>
    private static int Accumulate(
        ReadOnlySpan<byte> rgb,
        int width,
        int height,
        DwtDctChannelOrder channelOrder,
        ReadOnlySpan<int> lengths,
        Span<int> ones,
        Span<int> totals)
    {
        int blockRows = height / 4 * 4 / 2 / BlockSize;
        int blockCols = width / 4 * 4 / 2 / BlockSize;
        int bandWidth = blockCols * BlockSize; // cA columns that fall in whole blocks
        int pixels = 2 * bandWidth; // image columns they come from
        int stride = (pixels + 15) / 16 * 16; // whole 16-lane vectors per U row; the padding stays zero
        int rowBytes = width * 3;
        bool swapped = channelOrder == DwtDctChannelOrder.Swapped;

        Span<int> cursor = lengths.Length <= 16 ? stackalloc int[lengths.Length] : new int[lengths.Length];
        Span<int> offsets = lengths.Length <= 16 ? stackalloc int[lengths.Length] : new int[lengths.Length];
        cursor.Clear();
        for (int k = 1; k < lengths.Length; k++)
        {
            offsets[k] = offsets[k - 1] + lengths[k - 1];
        }

        ushort[] uRented = ArrayPool<ushort>.Shared.Rent(2 * BlockSize * stride);
        uint[] maximaRented = ArrayPool<uint>.Shared.Rent(stride / 2);
        try
        {
            Span<ushort> uBand = uRented.AsSpan(0, 2 * BlockSize * stride);
            Span<uint> maxima = maximaRented.AsSpan(0, stride / 2);
            uBand.Clear();
            for (int br = 0; br < blockRows; br++)
            {
                // U of image rows 8·br … 8·br + 7, which give cA rows 4·br … 4·br + 3.
                for (int r = 0; r < 2 * BlockSize; r++)
                {
                    int imageRow = (br * 2 * BlockSize) + r;
                    URow(rgb[(imageRow * rowBytes)..], pixels, swapped, uBand.Slice(r * stride, pixels));
                }

                SumMaxima(uBand, stride, maxima);
                for (int bc = 0; bc < blockCols; bc++)
                {
                    int vote = BlockVote(uBand, stride, maxima, bc);
                    for (int k = 0; k < lengths.Length; k++)
                    {
                        int slot = offsets[k] + cursor[k];
                        ones[slot] += vote;
                        totals[slot]++;
                        if (++cursor[k] == lengths[k])
                        {
                            cursor[k] = 0;
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(maximaRented);
            ArrayPool<ushort>.Shared.Return(uRented);
        }

        return blockRows * blockCols;
    }

    /// <summary>
    /// OpenCV's integer U of the first <c>u.Length</c> pixels of <paramref name="row"/> (which may run on into later
    /// rows; only whole pixels inside it are read), eight at a time in int lanes, the rest one by one.
    /// </summary>
    private static void URow(ReadOnlySpan<byte> row, int count, bool swapped, Span<ushort> u)
    {
        Vector256<byte> rIndices = swapped ? Rgb8Lanes.Third : Rgb8Lanes.First;
        Vector256<byte> bIndices = swapped ? Rgb8Lanes.First : Rgb8Lanes.Third;
        int vectorPixels = Rgb8Lanes.VectorPixels(row, 0, count) / 16 * 16;
        ref byte start = ref Rgb8Lanes.Start(row);
        int p = 0;
        for (; p < vectorPixels; p += 16)
        {
            Vector256<int> low = UVector(ref start, p * 3, rIndices, bIndices);
            Vector256<int> high = UVector(ref start, (p + 8) * 3, rIndices, bIndices);
            Vector256.Narrow(low, high).AsUInt16().CopyTo(u[p..]);
        }

        int rOffset = swapped ? 2 : 0;
        for (; p < count; p++)
        {
            u[p] = (ushort)U(ref start, p * 3, rOffset, 2 - rOffset);
        }
    }

    /// <summary>The same integer arithmetic as <see cref="U"/> on eight pixels; lanes never mix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> UVector(ref byte start, int offset, Vector256<byte> rIndices, Vector256<byte> bIndices)
    {
        Vector256<byte> pixels = Rgb8Lanes.Load(ref start, offset);
        Vector256<int> r = Rgb8Lanes.Channel(pixels, rIndices);
        Vector256<int> g = Rgb8Lanes.Channel(pixels, Rgb8Lanes.Second);
        Vector256<int> b = Rgb8Lanes.Channel(pixels, bIndices);
        Vector256<int> y = Vector256.ShiftRightArithmetic((r * 4899) + (g * 9617) + (b * 1868) + Vector256.Create(8192), 14);
        Vector256<int> u = Vector256.ShiftRightArithmetic(((b - y) * 8061) + Vector256.Create((128 << 14) + 8192), 14);
        return Vector256.Min(Vector256.Max(u, Vector256<int>.Zero), Vector256.Create(255));
    }

    /// <summary>
    /// For every cA column of the band, the largest 2×2 U sum S = u00 + u01 + u10 + u11 (cA ≈ S/2) down its four cA rows,
    /// leaving out each block's first coefficient (row 0 at a column that is a multiple of 4), which does not vote.
    /// </summary>
    private static void SumMaxima(ReadOnlySpan<ushort> uBand, int stride, Span<uint> maxima)
    {
        // Eight cA columns (two blocks) per vector; lanes 0 and 4 are the blocks' first columns.
        Vector256<uint> notFirst = Vector256.Create(0, uint.MaxValue, uint.MaxValue, uint.MaxValue, 0, uint.MaxValue, uint.MaxValue, uint.MaxValue);
        Vector256<uint> lowHalf = Vector256.Create(0xFFFFu);
        for (int j = 0; j < maxima.Length; j += Vector256<uint>.Count)
        {
            Vector256<uint> best = Vector256<uint>.Zero;
            for (int a = 0; a < BlockSize; a++)
            {
                // u[2j] + u[2j+1] of the two rows: add the rows as ushorts (≤ 510), then the pairs inside each uint.
                Vector256<ushort> rows = Vector256.Create(uBand.Slice((2 * a * stride) + (2 * j), 16)) + Vector256.Create(uBand.Slice((((2 * a) + 1) * stride) + (2 * j), 16));
                Vector256<uint> pairs = rows.AsUInt32();
                Vector256<uint> sums = (pairs & lowHalf) + (pairs >> 16);
                best = Vector256.Max(best, a == 0 ? sums & notFirst : sums);
            }

            best.CopyTo(maxima[j..]);
        }
    }

    /// <summary>
    /// argmax |v| over the 15 coefficients after the first (first maximum wins, as numpy's argmax); 1 when (|v| mod 36) &gt; 18.
    /// </summary>
    /// <remarks>
    /// cA = h·(h·u11 + h·u01) + h·(h·u10 + h·u00) is within 1e-12 of S/2 (S ≤ 1020), U ≥ 0, so a larger S always
    /// means a larger cA, and the vote is decided by S alone, (S mod 72) &gt; 36, unless S/2 sits exactly on 0 or 18
    /// mod 36 (S mod 72 is 0 or 36). Only then does the rounding of cA matter, and the block is evaluated exactly in pywt's
    /// floating-point form.
    /// </remarks>
    private static int BlockVote(ReadOnlySpan<ushort> uBand, int stride, ReadOnlySpan<uint> maxima, int blockColumn)
    {
        ReadOnlySpan<uint> columns = maxima.Slice(blockColumn * BlockSize, BlockSize);
        uint sum = Math.Max(Math.Max(columns[0], columns[1]), Math.Max(columns[2], columns[3]));
        uint remainder = sum % (2 * Scale);
        if (remainder != 0 && remainder != Scale)
        {
            return remainder > Scale ? 1 : 0;
        }

        ref double tapRef = ref MemoryMarshal.GetArrayDataReference(TapTimesU);
        double h = HaarTap;
        double best = -1;
        for (int index = 1; index < BlockSize * BlockSize; index++)
        {
            int top = 2 * (index >> 2) * stride;
            int column = 2 * ((blockColumn * BlockSize) + (index & 3));
            double p0 = Unsafe.Add(ref tapRef, uBand[top + stride + column]) + Unsafe.Add(ref tapRef, uBand[top + column]);
            double p1 = Unsafe.Add(ref tapRef, uBand[top + stride + column + 1]) + Unsafe.Add(ref tapRef, uBand[top + column + 1]);
            double magnitude = Math.Abs((h * p1) + (h * p0));
            if (magnitude > best)
            {
                best = magnitude;
            }
        }

        return ExactRemainder(best) > HalfScale ? 1 : 0;
    }

    /// <summary>
    /// <paramref name="x"/> % <see cref="Scale"/> (fmod, exact) for 0 ≤ x &lt; 2³¹·36, without the library call: for an
    /// integer q, x − 36q is computed exactly whenever the true remainder is in [0, 36), since then it is a multiple of
    /// ulp(x) no larger than x; the quotient estimate is corrected by one when rounding put it off.
    /// </summary>
    private static double ExactRemainder(double x)
    {
        double q = Math.Floor(x / Scale);
        double r = x - (q * Scale);
        if (r < 0)
        {
            r = x - ((q - 1) * Scale);
        }
        else if (r >= Scale)
        {
            r = x - ((q + 1) * Scale);
        }

        return r;
    }

    /// <summary>
    /// OpenCV's integer BGR→YUV, U only, of the pixel at <paramref name="offset"/>. Reference order reads the bytes as
    /// R, G, B (<paramref name="rOffset"/> 0, <paramref name="bOffset"/> 2); swapped reads them as B, G, R (2, 0).
    /// The caller guarantees offset + 2 is inside the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int U(ref byte row, int offset, int rOffset, int bOffset)
    {
        int r = Unsafe.Add(ref row, offset + rOffset);
        int g = Unsafe.Add(ref row, offset + 1);
        int b = Unsafe.Add(ref row, offset + bOffset);
        int y = ((r * 4899) + (g * 9617) + (b * 1868) + 8192) >> 14;
        int u = (((b - y) * 8061) + (128 << 14) + 8192) >> 14;
        return Math.Clamp(u, 0, 255);
    }

    /// <summary>Per bit: mean of the votes, set when mean·255 &gt; 127, evaluated in doubles as numpy does (no votes: NaN, so unset).</summary>
    private static ImmutableArray<bool> ToBits(ReadOnlySpan<int> ones, ReadOnlySpan<int> totals)
    {
        var bits = ImmutableArray.CreateBuilder<bool>(ones.Length);
        for (int i = 0; i < ones.Length; i++)
        {
            double mean = (double)ones[i] / totals[i];
            bits.Add(mean * 255.0 > 127.0);
        }

        return bits.MoveToImmutable();
    }

    private static DwtDctPayloadResult Compare(DwtDctPayload payload, ImmutableArray<bool> bits)
    {
        int matching = 0;
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i] == payload.Bits[i])
            {
                matching++;
            }
        }

        ImmutableArray<byte> bytes = [];
        bool textMatches = false;
        if (payload.Text is not null)
        {
            var packed = new byte[bits.Length / 8];
            for (int i = 0; i < packed.Length * 8; i++)
            {
                if (bits[i])
                {
                    packed[i >> 3] |= (byte)(0x80 >> (i & 7));
                }
            }

            textMatches = packed.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(payload.Text));
            bytes = ImmutableArray.Create(packed);
        }

        return new DwtDctPayloadResult(payload, bits, matching, payload.Classify(matching), bytes, textMatches);
    }

    private static double[] BuildTapTable()
    {
        var table = new double[256];
        double h = Math.Sqrt(0.5);
        for (int u = 0; u < table.Length; u++)
        {
            table[u] = h * u;
        }

        return table;
    }
}
