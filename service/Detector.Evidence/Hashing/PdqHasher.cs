using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

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
/// <para>Memory: one pooled float plane of width × height, filtered in place (a copy of one row for the row pass;
/// for the column pass, running sums and a ring of the last <c>window</c> original rows). The last column pass only
/// runs over the 64 columns that are sampled. A 12 MP image takes about 0.2–0.3 s on one core here.</para>
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
    private const int JaroszPasses = 2;

    // The reference stores the coefficients as float: const float luma_from_R_coeff = 0.299; etc.
    private const float LumaR = 0.299f;
    private const float LumaG = 0.587f;
    private const float LumaB = 0.114f;

    /// <summary>D[i][j] = sqrt(2/64)·cos(π/128·(i+1)·(2j+1)), i &lt; 16, j &lt; 64, computed in double and stored as float.</summary>
    private static readonly float[] DctMatrix = BuildDctMatrix();

    /// <summary>LumaR · v in float for every byte v: the same product as <c>LumaR * rgb[p]</c>, looked up.</summary>
    private static readonly float[] LumaTableR = BuildLumaTable(LumaR);

    private static readonly float[] LumaTableG = BuildLumaTable(LumaG);

    private static readonly float[] LumaTableB = BuildLumaTable(LumaB);

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
    /// The row passes run on <see cref="Vector{T}"/> with one image row per lane: a band of rows is transposed into a
    /// scratch strip (the first pass computes the luminance straight into it), filtered there, and transposed back.
    /// Each lane performs exactly the scalar filter's operations in the same order, so the result is
    /// bit-identical. The last pass keeps only the sampled columns: its row pass writes them to a compact
    /// height × columns plane, and its column pass runs on that plane alone.
    /// </remarks>
    private static void Downsample(ReadOnlySpan<byte> rgb, int width, int height, Span<float> image64)
    {
        if (width == Side && height == Side)
        {
            // The reference takes a 64×64 input as the downsample itself, unfiltered.
            float[] lr = LumaTableR;
            float[] lg = LumaTableG;
            float[] lb = LumaTableB;
            for (int i = 0, p = 0; i < Side * Side; i++, p += 3)
            {
                image64[i] = lr[rgb[p]] + lg[rgb[p + 1]] + lb[rgb[p + 2]];
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

        int lanes = Vector<float>.Count;
        int pixels = width * height;
        float[] plane = ArrayPool<float>.Shared.Rent(pixels);
        float[] compact = ArrayPool<float>.Shared.Rent(distinct * height);
        float[] stripIn = ArrayPool<float>.Shared.Rent(width * lanes);
        float[] stripOut = ArrayPool<float>.Shared.Rent(width * lanes);
        float[] scratch = ArrayPool<float>.Shared.Rent(width * (windowAlongCols + 1));
        try
        {
            Span<float> luma = plane.AsSpan(0, pixels);
            Span<float> inStrip = stripIn.AsSpan(0, width * lanes);
            Span<float> outStrip = stripOut.AsSpan(0, width * lanes);
            Span<float> kept = compact.AsSpan(0, distinct * height);

            for (int pass = 0; pass < JaroszPasses; pass++)
            {
                bool last = pass == JaroszPasses - 1;
                for (int r0 = 0; r0 < height; r0 += lanes)
                {
                    int band = Math.Min(lanes, height - r0);
                    if (band < lanes)
                    {
                        inStrip.Clear();
                    }

                    if (pass == 0)
                    {
                        LumaToStrip(rgb, width, r0, band, lanes, inStrip);
                    }
                    else
                    {
                        RowsToStrip(luma, width, r0, band, lanes, inStrip);
                    }

                    BoxLanes(inStrip, outStrip, width, windowAlongRows);

                    if (last)
                    {
                        for (int lane = 0; lane < band; lane++)
                        {
                            Span<float> target = kept.Slice((r0 + lane) * distinct, distinct);
                            for (int k = 0; k < target.Length; k++)
                            {
                                target[k] = outStrip[(distinctCols[k] * lanes) + lane];
                            }
                        }
                    }
                    else
                    {
                        StripToRows(outStrip, width, r0, band, lanes, luma);
                    }
                }

                if (last)
                {
                    BoxAlongColumns(kept, distinct, height, windowAlongCols, scratch);
                }
                else
                {
                    BoxAlongColumns(luma, width, height, windowAlongCols, scratch);
                }
            }

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
            ArrayPool<float>.Shared.Return(stripOut);
            ArrayPool<float>.Shared.Return(stripIn);
            ArrayPool<float>.Shared.Return(compact);
            ArrayPool<float>.Shared.Return(plane);
        }
    }

    /// <summary>Luminance of rows r0 … r0 + band − 1 into the strip, column-major: strip[c · lanes + lane].</summary>
    private static void LumaToStrip(ReadOnlySpan<byte> rgb, int width, int r0, int band, int lanes, Span<float> strip)
    {
        float[] lr = LumaTableR;
        float[] lg = LumaTableG;
        float[] lb = LumaTableB;
        for (int lane = 0; lane < band; lane++)
        {
            ReadOnlySpan<byte> row = rgb.Slice((r0 + lane) * width * 3, width * 3);
            for (int c = 0, p = 0, s = lane; c < width; c++, p += 3, s += lanes)
            {
                // (R·0.299 + G·0.587) + B·0.114 in float, each product read from its exact table.
                strip[s] = lr[row[p]] + lg[row[p + 1]] + lb[row[p + 2]];
            }
        }
    }

    private static void RowsToStrip(ReadOnlySpan<float> plane, int width, int r0, int band, int lanes, Span<float> strip)
    {
        for (int lane = 0; lane < band; lane++)
        {
            ReadOnlySpan<float> row = plane.Slice((r0 + lane) * width, width);
            for (int c = 0, s = lane; c < row.Length; c++, s += lanes)
            {
                strip[s] = row[c];
            }
        }
    }

    private static void StripToRows(ReadOnlySpan<float> strip, int width, int r0, int band, int lanes, Span<float> plane)
    {
        for (int lane = 0; lane < band; lane++)
        {
            Span<float> row = plane.Slice((r0 + lane) * width, width);
            for (int c = 0, s = lane; c < row.Length; c++, s += lanes)
            {
                row[c] = strip[s];
            }
        }
    }

    /// <summary>
    /// The reference's 1-D box filter on every lane of a column-major strip (element c of lane l at c · lanes + l):
    /// the mean over the window, the window shrinking at the ends; for an even window it reaches window/2 after the
    /// centre and window/2 − 1 before. Each lane keeps its own running float sum, added and subtracted in the
    /// reference's order; lanes never mix, so every lane is bit-identical to the scalar filter.
    /// </summary>
    private static void BoxLanes(ReadOnlySpan<float> input, Span<float> output, int length, int window)
    {
        ReadOnlySpan<Vector<float>> inputs = MemoryMarshal.Cast<float, Vector<float>>(input)[..length];
        Span<Vector<float>> outputs = MemoryMarshal.Cast<float, Vector<float>>(output)[..length];

        int half = (window + 2) / 2;
        int phase1 = half - 1;
        int phase2 = window - half + 1;
        int phase3 = length - window;
        int phase4 = half - 1;

        int li = 0;
        int ri = 0;
        int oi = 0;
        int count = 0;
        Vector<float> sum = Vector<float>.Zero;

        for (int i = 0; i < phase1; i++)
        {
            sum += inputs[ri++];
            count++;
        }

        for (int i = 0; i < phase2; i++)
        {
            sum += inputs[ri++];
            count++;
            outputs[oi++] = sum / new Vector<float>(count);
        }

        var divisor = new Vector<float>(count);
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
            outputs[oi++] = sum / new Vector<float>(count);
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
            WriteRow(plane.Slice(oi * width, width), sums, ring.Slice(oi % window * width, width), count);
            oi++;
        }

        for (int i = 0; i < phase3; i++)
        {
            AddRow(plane.Slice(ri++ * width, width), sums);
            SubtractSaved(ring.Slice(li++ % window * width, width), sums);
            WriteRow(plane.Slice(oi * width, width), sums, ring.Slice(oi % window * width, width), count);
            oi++;
        }

        for (int i = 0; i < phase4; i++)
        {
            SubtractSaved(ring.Slice(li++ % window * width, width), sums);
            count--;
            WriteRow(plane.Slice(oi * width, width), sums, ring.Slice(oi % window * width, width), count);
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

    private static void WriteRow(Span<float> row, ReadOnlySpan<float> sums, Span<float> save, int count)
    {
        row.CopyTo(save);
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

    private static float[] BuildLumaTable(float coefficient)
    {
        var table = new float[256];
        for (int v = 0; v < table.Length; v++)
        {
            table[v] = coefficient * v;
        }

        return table;
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
