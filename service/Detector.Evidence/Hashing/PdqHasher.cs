using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Detector.Evidence.Pixels;

namespace Detector.Evidence.Hashing;

/// <summary>
/// Meta's PDQ perceptual hash (facebook/ThreatExchange <c>pdq/</c>), the core algorithm on the pixels given
/// (no squash to 512×512 first, unlike Meta's stock photo hasher). See docs/evidence.md §5.
/// </summary>
/// <remarks>
/// <para>Arithmetic follows the reference C++ operation by operation, in <see langword="float"/> wherever it uses
/// float (luminance, box filters, quality, DCT) and <see langword="double"/> where it uses double (sample centres,
/// the DCT matrix before it is stored as float), with sums accumulated in the same order. The reference built
/// without FMA (its Makefile: <c>-O3</c>, no <c>-march</c>) rounds exactly as this code does, so equal pixels should
/// give equal hashes; a build that fuses multiply-adds may differ in a bit whose coefficient sits at the median.</para>
/// <para>Memory: no full-size plane. Bands of 8 rows stream through both passes (see <c>Downsample</c>): a ring of
/// about window + 8 rows for the first column pass, a few 8-row buffers, and a compact height × 64 plane for the
/// sampled columns, whose column pass runs last. Row passes run one image row per lane of a
/// <see cref="System.Runtime.Intrinsics.Vector256{T}"/> (8 lanes, AVX), column passes across columns; every lane does
/// the scalar reference's operations in the same order. 2048×1152 noise takes about 4 ms on one core here.</para>
/// <para>Thread-safe and stateless.</para>
/// </remarks>
public sealed class PdqHasher
{
    /// <summary>Images with a side below this hash to all zeros with quality 0.</summary>
    public const int MinimumDimension = 5;

    /// <summary>Meta's match rule: hashes at a Hamming distance up to this are the same picture.</summary>
    public const int MatchDistanceThreshold = 31;

    /// <summary>Meta's rule: hashes with quality below this are too unreliable to match on.</summary>
    public const int MinimumQuality = 50;

    private const int Side = 64;
    private const int DctSize = 16;

    /// <summary>Image rows filtered side by side in the row passes, one per lane of a <see cref="Vector256{T}"/>.</summary>
    private const int Lanes = 8;

    // The reference stores the coefficients as float: const float luma_from_R_coeff = 0.299; etc.
    private const float LumaR = 0.299f;
    private const float LumaG = 0.587f;
    private const float LumaB = 0.114f;

    /// <summary>D[i][j] = sqrt(2/64)·cos(π/128·(i+1)·(2j+1)), i &lt; 16, j &lt; 64, computed in double and stored as float.</summary>
    private static readonly float[] DctMatrix = BuildDctMatrix();

    /// <summary>Hashes interleaved RGB8 pixels, row-major, <paramref name="width"/> × <paramref name="height"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="rgb"/> is shorter than width × height × 3.</exception>
    public PdqHash Compute(ReadOnlySpan<byte> rgb, int width, int height)
    {
        Span<float> image64 = stackalloc float[Side * Side];
        Span<float> dct16 = stackalloc float[DctSize * DctSize];
        int quality = ComputeCore(rgb, width, height, image64, dct16);
        if (quality < 0)
        {
            return PdqHash.Zero;
        }

        return PdqHash.FromWords(ToWords(dct16), quality);
    }

    /// <summary>Number of differing bits, 0–256.</summary>
    public static int HammingDistance(PdqHash a, PdqHash b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.DistanceTo(b);
    }

    /// <summary>Meta's match rule: both qualities at least <see cref="MinimumQuality"/> and distance at most <see cref="MatchDistanceThreshold"/>.</summary>
    public static bool IsMatch(PdqHash a, PdqHash b) =>
        a.IsMatchable && b.IsMatchable && HammingDistance(a, b) <= MatchDistanceThreshold;

    /// <summary>
    /// The pipeline up to the 16×16 DCT: fills the 64×64 downsample and the DCT output (row-major) and returns the
    /// quality, or -1 (outputs untouched) when a side is below <see cref="MinimumDimension"/>.
    /// </summary>
    internal static int ComputeCore(ReadOnlySpan<byte> rgb, int width, int height, Span<float> image64, Span<float> dct16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if ((long)width * height * 3 > rgb.Length)
        {
            throw new ArgumentException($"Expected at least {(long)width * height * 3} bytes of RGB8 for {width}x{height}, got {rgb.Length}.", nameof(rgb));
        }

        if (width < MinimumDimension || height < MinimumDimension)
        {
            return -1;
        }

        Downsample(rgb, width, height, image64);
        int quality = Quality(image64);
        Dct64To16(image64, dct16);
        return quality;
    }

    /// <summary>
    /// Luminance, two Jarosz passes (box along rows, then along columns, twice), then sampling at centres.
    /// </summary>
    /// <remarks>
    /// <para>Streams bands of <see cref="Lanes"/> rows through both passes, so no full-size plane is kept. Pass 1: the
    /// band's luminance is computed eight pixels per vector, transposed 8×8 at a time into a strip with one image row
    /// per lane, box-filtered along the rows there (<see cref="BoxLanes"/>), and transposed back into a ring of rows
    /// that feeds the column filter (<see cref="ColumnBox"/>). Each row that filter completes goes to a second band;
    /// a full band is transposed, filtered along the rows again, and only its sampled columns are kept in a compact
    /// height × columns plane, whose column pass runs last.</para>
    /// <para>Every lane performs exactly the scalar filter's operations in the same order, and the transposes only move
    /// values, so the result is bit-identical to the straightforward two-plane form.</para>
    /// </remarks>
    private static void Downsample(ReadOnlySpan<byte> rgb, int width, int height, Span<float> image64)
    {
        if (width == Side && height == Side)
        {
            // The reference takes a 64×64 input as the downsample itself, unfiltered.
            for (int i = 0, p = 0; i < Side * Side; i++, p += 3)
            {
                image64[i] = (LumaR * rgb[p]) + (LumaG * rgb[p + 1]) + (LumaB * rgb[p + 2]);
            }

            return;
        }

        // computeJaroszFilterWindowSize(old, 64) = ceil(old / 128).
        int windowAlongRows = (width + (2 * Side) - 1) / (2 * Side);
        int windowAlongCols = (height + (2 * Side) - 1) / (2 * Side);

        Span<int> sampledRows = stackalloc int[Side];
        Span<int> sampledCols = stackalloc int[Side];
        Span<int> distinctCols = stackalloc int[Side];
        Span<int> compactIndex = stackalloc int[Side];
        int distinct = 0;
        for (int k = 0; k < Side; k++)
        {
            sampledRows[k] = (int)((k + 0.5) * height / Side);
            sampledCols[k] = (int)((k + 0.5) * width / Side);

            // Non-decreasing; narrower than 64 repeats columns, which the compact plane holds once.
            if (distinct == 0 || distinctCols[distinct - 1] != sampledCols[k])
            {
                distinctCols[distinct++] = sampledCols[k];
            }

            compactIndex[k] = distinct - 1;
        }

        // The ring holds whole bands (so a band's rows are contiguous) and every row the column filter may still
        // subtract: at least window + Lanes rows.
        int ringRows = (windowAlongCols + (2 * Lanes) - 1) / Lanes * Lanes;
        int bandFloats = Lanes * width;
        float[] rented = ArrayPool<float>.Shared.Rent((ringRows * width) + (4 * bandFloats) + width);
        float[] compact = ArrayPool<float>.Shared.Rent(distinct * height);
        float[] scratch = ArrayPool<float>.Shared.Rent(distinct * (windowAlongCols + 1));
        try
        {
            Span<float> all = rented.AsSpan(0, (ringRows * width) + (4 * bandFloats) + width);
            Span<float> ring = all[..(ringRows * width)];
            Span<float> lumaRows = all.Slice(ring.Length, bandFloats);
            Span<float> filteredRows = all.Slice(ring.Length + bandFloats, bandFloats);
            Span<float> inStrip = all.Slice(ring.Length + (2 * bandFloats), bandFloats);
            Span<float> outStrip = all.Slice(ring.Length + (3 * bandFloats), bandFloats);
            Span<float> sums = all.Slice(ring.Length + (4 * bandFloats), width);
            Span<float> kept = compact.AsSpan(0, distinct * height);

            // Lanes past the last row of a band carry stale but finite values; they never mix with real rows.
            filteredRows.Clear();
            var columns = new ColumnBox(ring, ringRows, sums, width, windowAlongCols);
            for (int r0 = 0; r0 < height; r0 += Lanes)
            {
                int band = Math.Min(Lanes, height - r0);
                for (int lane = 0; lane < Lanes; lane++)
                {
                    LumaRow(rgb, width, Math.Min(r0 + lane, height - 1), lumaRows.Slice(lane * width, width));
                }

                RowsToStrip(lumaRows, width, inStrip);
                BoxLanes(inStrip, outStrip, width, windowAlongRows);
                StripToRows(outStrip, columns.Rows(r0, Lanes), width);

                for (int lane = 0; lane < band; lane++)
                {
                    int done = columns.Push(filteredRows);
                    if (done >= 0 && (done % Lanes == Lanes - 1 || done == height - 1))
                    {
                        SecondRowPass(filteredRows, inStrip, outStrip, width, windowAlongRows, done, distinctCols[..distinct], kept);
                    }
                }
            }

            int last;
            while ((last = columns.Drain(filteredRows)) >= 0)
            {
                if (last % Lanes == Lanes - 1 || last == height - 1)
                {
                    SecondRowPass(filteredRows, inStrip, outStrip, width, windowAlongRows, last, distinctCols[..distinct], kept);
                }
            }

            BoxAlongColumns(kept, distinct, height, windowAlongCols, scratch);

            for (int i = 0; i < Side; i++)
            {
                ReadOnlySpan<float> row = kept.Slice(sampledRows[i] * distinct, distinct);
                for (int j = 0; j < Side; j++)
                {
                    image64[(i * Side) + j] = row[compactIndex[j]];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<float>.Shared.Return(compact);
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Pass 2 along the rows for the band of pass-1 output rows ending at <paramref name="last"/> (its whole band, or
    /// the rows up to the image's last), keeping only the sampled columns.
    /// </summary>
    private static void SecondRowPass(
        ReadOnlySpan<float> rows,
        Span<float> inStrip,
        Span<float> outStrip,
        int width,
        int window,
        int last,
        ReadOnlySpan<int> distinctCols,
        Span<float> kept)
    {
        int first = last / Lanes * Lanes;
        int band = last - first + 1;
        RowsToStrip(rows, width, inStrip);
        RunningSumLanes(inStrip, outStrip, width, window);

        // Only the sampled columns are divided: sum / count, as the filter would have done there.
        int half = (window + 2) / 2;
        int distinct = distinctCols.Length;
        Span<float> means = stackalloc float[Lanes];
        for (int k = 0; k < distinct; k++)
        {
            int column = distinctCols[k];
            int count = Math.Min(column + half, width) - Math.Max(0, column + half - window);
            (Vector256.Create(outStrip.Slice(column * Lanes, Lanes)) / Vector256.Create((float)count)).CopyTo(means);
            for (int lane = 0; lane < band; lane++)
            {
                kept[((first + lane) * distinct) + k] = means[lane];
            }
        }
    }

    /// <summary>(R·0.299 + G·0.587) + B·0.114 in float for one row, eight pixels per vector where the buffer allows.</summary>
    private static void LumaRow(ReadOnlySpan<byte> rgb, int width, int row, Span<float> luma)
    {
        int first = row * width;
        int vectorPixels = Rgb8Lanes.VectorPixels(rgb, first, width);
        ref byte start = ref Rgb8Lanes.Start(rgb);
        int c = 0;
        for (; c < vectorPixels; c += Rgb8Lanes.Count)
        {
            Vector256<byte> eight = Rgb8Lanes.Load(ref start, (first + c) * 3);
            Vector256<float> r = Vector256.ConvertToSingle(Rgb8Lanes.Channel(eight, Rgb8Lanes.First));
            Vector256<float> g = Vector256.ConvertToSingle(Rgb8Lanes.Channel(eight, Rgb8Lanes.Second));
            Vector256<float> b = Vector256.ConvertToSingle(Rgb8Lanes.Channel(eight, Rgb8Lanes.Third));
            ((r * LumaR) + (g * LumaG) + (b * LumaB)).CopyTo(luma[c..]);
        }

        ReadOnlySpan<byte> pixels = rgb.Slice(first * 3, width * 3);
        for (int p = c * 3; c < width; c++, p += 3)
        {
            luma[c] = (LumaR * pixels[p]) + (LumaG * pixels[p + 1]) + (LumaB * pixels[p + 2]);
        }
    }

    /// <summary>
    /// <see cref="Lanes"/> rows of <paramref name="width"/> floats (row-major, stride width) into a column-major strip,
    /// strip[c · Lanes + row], in 8×8 register transposes.
    /// </summary>
    private static void RowsToStrip(ReadOnlySpan<float> rows, int width, Span<float> strip)
    {
        _ = rows[(Lanes * width) - 1];
        _ = strip[(Lanes * width) - 1];
        ref float source = ref MemoryMarshal.GetReference(rows);
        ref float target = ref MemoryMarshal.GetReference(strip);
        int c = 0;
        for (; c + Lanes <= width; c += Lanes)
        {
            Transpose8x8(ref Unsafe.Add(ref source, c), width, ref Unsafe.Add(ref target, c * Lanes), Lanes);
        }

        for (; c < width; c++)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                strip[(c * Lanes) + lane] = rows[(lane * width) + c];
            }
        }
    }

    /// <summary>The inverse of <see cref="RowsToStrip"/>.</summary>
    private static void StripToRows(ReadOnlySpan<float> strip, Span<float> rows, int width)
    {
        _ = rows[(Lanes * width) - 1];
        _ = strip[(Lanes * width) - 1];
        ref float source = ref MemoryMarshal.GetReference(strip);
        ref float target = ref MemoryMarshal.GetReference(rows);
        int c = 0;
        for (; c + Lanes <= width; c += Lanes)
        {
            Transpose8x8(ref Unsafe.Add(ref source, c * Lanes), Lanes, ref Unsafe.Add(ref target, c), width);
        }

        for (; c < width; c++)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                rows[(lane * width) + c] = strip[(c * Lanes) + lane];
            }
        }
    }

    /// <summary>
    /// Transposes the 8×8 block whose row i starts at source + i · sourceStride into target + j · targetStride.
    /// The callers have checked that the whole block lies inside their spans.
    /// </summary>
    private static void Transpose8x8(ref float source, int sourceStride, ref float target, int targetStride)
    {
        if (!Avx.IsSupported)
        {
            for (int i = 0; i < Lanes; i++)
            {
                for (int j = 0; j < Lanes; j++)
                {
                    Unsafe.Add(ref target, (j * targetStride) + i) = Unsafe.Add(ref source, (i * sourceStride) + j);
                }
            }

            return;
        }

        // Rows i and i + 4 share a register, columns 0–3 or 4–7 in each half, inserted as they are loaded; then
        // interleaving pairs of rows and pairs of pairs within each half leaves whole columns, with no cross-half shuffle.
        Vector256<float> a0 = Half(ref source, 0, sourceStride, 0);
        Vector256<float> a1 = Half(ref source, 1, sourceStride, 0);
        Vector256<float> a2 = Half(ref source, 2, sourceStride, 0);
        Vector256<float> a3 = Half(ref source, 3, sourceStride, 0);
        Vector256<float> b0 = Half(ref source, 0, sourceStride, 4);
        Vector256<float> b1 = Half(ref source, 1, sourceStride, 4);
        Vector256<float> b2 = Half(ref source, 2, sourceStride, 4);
        Vector256<float> b3 = Half(ref source, 3, sourceStride, 4);

        Vector256<float> a01Low = Avx.UnpackLow(a0, a1);
        Vector256<float> a01High = Avx.UnpackHigh(a0, a1);
        Vector256<float> a23Low = Avx.UnpackLow(a2, a3);
        Vector256<float> a23High = Avx.UnpackHigh(a2, a3);
        Vector256<float> b01Low = Avx.UnpackLow(b0, b1);
        Vector256<float> b01High = Avx.UnpackHigh(b0, b1);
        Vector256<float> b23Low = Avx.UnpackLow(b2, b3);
        Vector256<float> b23High = Avx.UnpackHigh(b2, b3);

        Avx.Shuffle(a01Low, a23Low, 0x44).StoreUnsafe(ref target);
        Avx.Shuffle(a01Low, a23Low, 0xEE).StoreUnsafe(ref target, (nuint)targetStride);
        Avx.Shuffle(a01High, a23High, 0x44).StoreUnsafe(ref target, (nuint)(2 * targetStride));
        Avx.Shuffle(a01High, a23High, 0xEE).StoreUnsafe(ref target, (nuint)(3 * targetStride));
        Avx.Shuffle(b01Low, b23Low, 0x44).StoreUnsafe(ref target, (nuint)(4 * targetStride));
        Avx.Shuffle(b01Low, b23Low, 0xEE).StoreUnsafe(ref target, (nuint)(5 * targetStride));
        Avx.Shuffle(b01High, b23High, 0x44).StoreUnsafe(ref target, (nuint)(6 * targetStride));
        Avx.Shuffle(b01High, b23High, 0xEE).StoreUnsafe(ref target, (nuint)(7 * targetStride));
    }

    /// <summary>Columns column … column + 3 of rows <paramref name="row"/> (low half) and row + 4 (high half).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Half(ref float source, int row, int stride, int column) =>
        Vector256.Create(
            Vector128.LoadUnsafe(ref source, (nuint)((row * stride) + column)),
            Vector128.LoadUnsafe(ref source, (nuint)(((row + 4) * stride) + column)));

    /// <summary>
    /// The reference's 1-D box filter on every lane of a column-major strip (element c of lane l at c · Lanes + l):
    /// the mean over the window, the window shrinking at the ends; for an even window it reaches window/2 after the
    /// centre and window/2 − 1 before. Each lane keeps its own running float sum, added and subtracted in the
    /// reference's order; lanes never mix, so every lane is bit-identical to the scalar filter.
    /// </summary>
    private static void BoxLanes(ReadOnlySpan<float> input, Span<float> output, int length, int window)
    {
        ReadOnlySpan<Vector256<float>> inputs = MemoryMarshal.Cast<float, Vector256<float>>(input)[..length];
        Span<Vector256<float>> outputs = MemoryMarshal.Cast<float, Vector256<float>>(output)[..length];

        int half = (window + 2) / 2;
        int phase1 = half - 1;
        int phase2 = window - half + 1;
        int phase3 = length - window;
        int phase4 = half - 1;

        int li = 0;
        int ri = 0;
        int oi = 0;
        int count = 0;
        Vector256<float> sum = Vector256<float>.Zero;

        for (int i = 0; i < phase1; i++)
        {
            sum += inputs[ri++];
            count++;
        }

        for (int i = 0; i < phase2; i++)
        {
            sum += inputs[ri++];
            count++;
            outputs[oi++] = sum / Vector256.Create((float)count);
        }

        Vector256<float> divisor = Vector256.Create((float)count);
        for (int i = 0; i < phase3; i++)
        {
            sum += inputs[ri++];
            sum -= inputs[li++];
            outputs[oi++] = sum / divisor;
        }

        for (int i = 0; i < phase4; i++)
        {
            sum -= inputs[li++];
            count--;
            outputs[oi++] = sum / Vector256.Create((float)count);
        }
    }

    /// <summary>
    /// <see cref="BoxLanes"/> without the division: the running sum each output would be divided by, in the same
    /// order. Output c covers inputs c + half − window … c + half − 1 clipped to the strip (half = (window + 2) / 2).
    /// </summary>
    private static void RunningSumLanes(ReadOnlySpan<float> input, Span<float> output, int length, int window)
    {
        ReadOnlySpan<Vector256<float>> inputs = MemoryMarshal.Cast<float, Vector256<float>>(input)[..length];
        Span<Vector256<float>> outputs = MemoryMarshal.Cast<float, Vector256<float>>(output)[..length];

        int half = (window + 2) / 2;
        int li = 0;
        int ri = 0;
        int oi = 0;
        Vector256<float> sum = Vector256<float>.Zero;

        for (int i = 0; i < half - 1; i++)
        {
            sum += inputs[ri++];
        }

        for (int i = 0; i < window - half + 1; i++)
        {
            sum += inputs[ri++];
            outputs[oi++] = sum;
        }

        for (int i = 0; i < length - window; i++)
        {
            sum += inputs[ri++];
            sum -= inputs[li++];
            outputs[oi++] = sum;
        }

        for (int i = 0; i < half - 1; i++)
        {
            sum -= inputs[li++];
            outputs[oi++] = sum;
        }
    }

    /// <summary>
    /// The same 1-D box filter as <see cref="BoxLanes"/> down every column of rows that arrive one at a time, each
    /// column with its own running sum in the reference's order (add the new row, then subtract the one leaving the
    /// window, then divide). Pushed rows live in a ring until they have been subtracted; output lags input by
    /// window/2 rows (the part of the window after the centre), and <see cref="Drain"/> emits the last ones.
    /// </summary>
    private ref struct ColumnBox
    {
        private readonly Span<float> _ring;
        private readonly Span<float> _sums;
        private readonly int _ringRows;
        private readonly int _width;
        private readonly int _window;
        private readonly int _delay;
        private int _pushed;
        private int _subtracted;
        private int _emitted;
        private int _count;

        public ColumnBox(Span<float> ring, int ringRows, Span<float> sums, int width, int window)
        {
            _ring = ring;
            _sums = sums;
            _ringRows = ringRows;
            _width = width;
            _window = window;
            _delay = ((window + 2) / 2) - 1;
            sums.Clear();
        }

        /// <summary>Ring rows for image rows first … first + count − 1 (first a multiple of <see cref="Lanes"/>, so contiguous).</summary>
        public readonly Span<float> Rows(int first, int count) => _ring.Slice(first % _ringRows * _width, count * _width);

        /// <summary>
        /// Takes the next input row, already written to <see cref="Rows"/>; writes the output row it completes, if any,
        /// to row (index mod <see cref="Lanes"/>) of <paramref name="outputs"/> and returns its index, else −1.
        /// </summary>
        public int Push(Span<float> outputs)
        {
            int row = _pushed++;
            ReadOnlySpan<float> added = Rows(row, 1);
            if (row < _window)
            {
                _count++;
                AddRow(added, _sums);
                if (row < _delay)
                {
                    return -1;
                }

                return Emit(outputs);
            }

            // Steady state, fused: sum = (sum + added) − leaving; output = sum / count.
            ReadOnlySpan<float> leaving = Rows(_subtracted++, 1);
            Span<float> output = outputs.Slice(_emitted % Lanes * _width, _width);
            Span<Vector256<float>> s = MemoryMarshal.Cast<float, Vector256<float>>(_sums);
            ReadOnlySpan<Vector256<float>> a = MemoryMarshal.Cast<float, Vector256<float>>(added);
            ReadOnlySpan<Vector256<float>> l = MemoryMarshal.Cast<float, Vector256<float>>(leaving);
            Span<Vector256<float>> o = MemoryMarshal.Cast<float, Vector256<float>>(output);
            Vector256<float> divisor = Vector256.Create((float)_count);
            for (int v = 0; v < s.Length; v++)
            {
                Vector256<float> sum = s[v] + a[v] - l[v];
                s[v] = sum;
                o[v] = sum / divisor;
            }

            for (int c = s.Length * Vector256<float>.Count; c < _width; c++)
            {
                float sum = _sums[c] + added[c] - leaving[c];
                _sums[c] = sum;
                output[c] = sum / _count;
            }

            return _emitted++;
        }

        /// <summary>After the last push: emits the next of the final window/2 output rows as <see cref="Push"/> does, or returns −1.</summary>
        public int Drain(Span<float> outputs)
        {
            if (_emitted == _pushed)
            {
                return -1;
            }

            SubtractSaved(Rows(_subtracted++, 1), _sums);
            _count--;
            return Emit(outputs);
        }

        private int Emit(Span<float> outputs)
        {
            WriteRow(outputs.Slice(_emitted % Lanes * _width, _width), _sums, _count);
            return _emitted++;
        }
    }

    /// <summary>
    /// The same 1-D box filter as <see cref="BoxLanes"/> down every column, in place, sweeping rows so memory is read in order. Each column keeps
    /// its own running sum with the reference's operation order; the original values of rows already overwritten but
    /// still to be subtracted wait in a ring of <paramref name="window"/> rows. Lanes are independent, so this runs on
    /// <see cref="Vector{T}"/> with identical results.
    /// </summary>
    private static void BoxAlongColumns(Span<float> plane, int width, int height, int window, Span<float> scratch)
    {
        Span<float> sums = scratch[..width];
        Span<float> ring = scratch.Slice(width, window * width);
        sums.Clear();

        int half = (window + 2) / 2;
        int phase1 = half - 1;
        int phase2 = window - half + 1;
        int phase3 = height - window;
        int phase4 = half - 1;

        int li = 0;
        int ri = 0;
        int oi = 0;
        int count = 0;

        for (int i = 0; i < phase1; i++)
        {
            AddRow(plane.Slice(ri++ * width, width), sums);
            count++;
        }

        for (int i = 0; i < phase2; i++)
        {
            AddRow(plane.Slice(ri++ * width, width), sums);
            count++;
            SaveAndWriteRow(plane.Slice(oi * width, width), sums, ring.Slice(oi % window * width, width), count);
            oi++;
        }

        for (int i = 0; i < phase3; i++)
        {
            AddRow(plane.Slice(ri++ * width, width), sums);
            SubtractSaved(ring.Slice(li++ % window * width, width), sums);
            SaveAndWriteRow(plane.Slice(oi * width, width), sums, ring.Slice(oi % window * width, width), count);
            oi++;
        }

        for (int i = 0; i < phase4; i++)
        {
            SubtractSaved(ring.Slice(li++ % window * width, width), sums);
            count--;
            SaveAndWriteRow(plane.Slice(oi * width, width), sums, ring.Slice(oi % window * width, width), count);
            oi++;
        }
    }

    private static void AddRow(ReadOnlySpan<float> row, Span<float> sums)
    {
        Span<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(sums);
        ReadOnlySpan<Vector<float>> r = MemoryMarshal.Cast<float, Vector<float>>(row);
        for (int v = 0; v < s.Length && v < r.Length; v++)
        {
            s[v] += r[v];
        }

        for (int c = s.Length * Vector<float>.Count; c < sums.Length; c++)
        {
            sums[c] += row[c];
        }
    }

    private static void SubtractSaved(ReadOnlySpan<float> saved, Span<float> sums)
    {
        Span<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(sums);
        ReadOnlySpan<Vector<float>> r = MemoryMarshal.Cast<float, Vector<float>>(saved);
        for (int v = 0; v < s.Length && v < r.Length; v++)
        {
            s[v] -= r[v];
        }

        for (int c = s.Length * Vector<float>.Count; c < sums.Length; c++)
        {
            sums[c] -= saved[c];
        }
    }

    private static void SaveAndWriteRow(Span<float> row, ReadOnlySpan<float> sums, Span<float> save, int count)
    {
        row.CopyTo(save);
        WriteRow(row, sums, count);
    }

    private static void WriteRow(Span<float> row, ReadOnlySpan<float> sums, int count)
    {
        ReadOnlySpan<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(sums);
        Span<Vector<float>> r = MemoryMarshal.Cast<float, Vector<float>>(row);
        var divisor = new Vector<float>(count);
        for (int v = 0; v < s.Length && v < r.Length; v++)
        {
            r[v] = s[v] / divisor;
        }

        for (int c = s.Length * Vector<float>.Count; c < sums.Length; c++)
        {
            row[c] = sums[c] / count;
        }
    }

    /// <summary>Sum over vertical and horizontal neighbour pairs of |(int)((u − v)·100 / 255)| (float), / 90, at most 100.</summary>
    private static int Quality(ReadOnlySpan<float> image64)
    {
        int gradientSum = 0;
        for (int i = 0; i < Side - 1; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                float u = image64[(i * Side) + j];
                float v = image64[((i + 1) * Side) + j];
                float d = (u - v) * 100 / 255;
                gradientSum += Math.Abs((int)d);
            }
        }

        for (int i = 0; i < Side; i++)
        {
            for (int j = 0; j < Side - 1; j++)
            {
                float u = image64[(i * Side) + j];
                float v = image64[(i * Side) + j + 1];
                float d = (u - v) * 100 / 255;
                gradientSum += Math.Abs((int)d);
            }
        }

        return Math.Min(100, gradientSum / 90);
    }

    /// <summary>B = D·A·Dᵀ in float, through T = D·A, each sum taken over k = 0…63 in order.</summary>
    private static void Dct64To16(ReadOnlySpan<float> a, Span<float> b)
    {
        float[] d = DctMatrix;
        Span<float> t = stackalloc float[DctSize * Side];
        for (int i = 0; i < DctSize; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                float sum = 0.0f;
                for (int k = 0; k < Side; k++)
                {
                    sum += d[(i * Side) + k] * a[(k * Side) + j];
                }

                t[(i * Side) + j] = sum;
            }
        }

        for (int i = 0; i < DctSize; i++)
        {
            for (int j = 0; j < DctSize; j++)
            {
                float sum = 0.0f;
                for (int k = 0; k < Side; k++)
                {
                    sum += t[(i * Side) + k] * d[(j * Side) + k];
                }

                b[(i * DctSize) + j] = sum;
            }
        }
    }

    /// <summary>Bit i*16 + j set when B[i][j] exceeds the median: the 128th smallest of the 256 values (what the reference's Torben median returns).</summary>
    private static ushort[] ToWords(ReadOnlySpan<float> dct16)
    {
        Span<float> sorted = stackalloc float[DctSize * DctSize];
        dct16.CopyTo(sorted);
        sorted.Sort();
        float median = sorted[(sorted.Length / 2) - 1];

        var words = new ushort[PdqHash.WordCount];
        for (int i = 0; i < DctSize; i++)
        {
            int word = 0;
            for (int j = 0; j < DctSize; j++)
            {
                if (dct16[(i * DctSize) + j] > median)
                {
                    word |= 1 << j;
                }
            }

            words[i] = (ushort)word;
        }

        return words;
    }

    private static float[] BuildDctMatrix()
    {
        var matrix = new float[DctSize * Side];
        float scale = (float)Math.Sqrt(2.0 / Side);
        for (int i = 0; i < DctSize; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                matrix[(i * Side) + j] = (float)(scale * Math.Cos(Math.PI / 2.0 / Side * (i + 1) * ((2 * j) + 1)));
            }
        }

        return matrix;
    }
}
