namespace Detector.Evidence.Tests.Hashing;

/// <summary>
/// Two independent PDQ implementations for cross-checking <c>PdqHasher</c>, both written from docs/evidence.md §5.
/// </summary>
internal static class PdqOracles
{
    private const int Side = 64;

    /// <summary>
    /// Straightforward float model: two full planes, the 1-D running-sum box filter applied to every row and then,
    /// strided, to every column (twice), sampling, quality, DCT. Same float operations in the same order as the
    /// hasher, but none of its in-place, ring-buffer or sampled-columns shortcuts, so the two must agree bit for bit.
    /// </summary>
    public static (float[] Image64, float[] Dct16, int Quality) FloatModel(byte[] rgb, int width, int height)
    {
        var a = new float[width * height];
        var b = new float[width * height];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (0.299f * rgb[i * 3]) + (0.587f * rgb[(i * 3) + 1]) + (0.114f * rgb[(i * 3) + 2]);
        }

        var image64 = new float[Side * Side];
        if (width == Side && height == Side)
        {
            Array.Copy(a, image64, image64.Length);
        }
        else
        {
            int wRows = (width + 127) / 128;
            int wCols = (height + 127) / 128;
            for (int pass = 0; pass < 2; pass++)
            {
                for (int i = 0; i < height; i++)
                {
                    RunningBox(a, b, i * width, 1, width, wRows);
                }

                for (int j = 0; j < width; j++)
                {
                    RunningBox(b, a, j, width, height, wCols);
                }
            }

            for (int i = 0; i < Side; i++)
            {
                int ini = (int)((i + 0.5) * height / Side);
                for (int j = 0; j < Side; j++)
                {
                    int inj = (int)((j + 0.5) * width / Side);
                    image64[(i * Side) + j] = a[(ini * width) + inj];
                }
            }
        }

        int gradient = 0;
        for (int i = 0; i < Side; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                if (i < Side - 1)
                {
                    float d = (image64[(i * Side) + j] - image64[((i + 1) * Side) + j]) * 100 / 255;
                    gradient += Math.Abs((int)d);
                }

                if (j < Side - 1)
                {
                    float d = (image64[(i * Side) + j] - image64[(i * Side) + j + 1]) * 100 / 255;
                    gradient += Math.Abs((int)d);
                }
            }
        }

        var matrix = new float[16 * Side];
        float scale = (float)Math.Sqrt(2.0 / Side);
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                matrix[(i * Side) + j] = (float)(scale * Math.Cos(Math.PI / 2.0 / Side * (i + 1) * ((2 * j) + 1)));
            }
        }

        var t = new float[16 * Side];
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                float sum = 0;
                for (int k = 0; k < Side; k++)
                {
                    sum += matrix[(i * Side) + k] * image64[(k * Side) + j];
                }

                t[(i * Side) + j] = sum;
            }
        }

        var dct = new float[256];
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < 16; j++)
            {
                float sum = 0;
                for (int k = 0; k < Side; k++)
                {
                    sum += t[(i * Side) + k] * matrix[(j * Side) + k];
                }

                dct[(i * 16) + j] = sum;
            }
        }

        return (image64, dct, Math.Min(100, gradient / 90));
    }

    /// <summary>
    /// Double-precision oracle with no running sums: every output of the box filter is the plain mean of its window,
    /// (w−1)/2 samples before the centre and w/2 after (one more after for an even w), clipped at the edges;
    /// the DCT from the cosine formula. Agrees with the hasher except where float rounding decides a near-median bit.
    /// </summary>
    public static (double[] Image64, double[] Dct16, int Quality) DoubleOracle(byte[] rgb, int width, int height)
    {
        var plane = new double[width * height];
        for (int i = 0; i < plane.Length; i++)
        {
            plane[i] = (0.299 * rgb[i * 3]) + (0.587 * rgb[(i * 3) + 1]) + (0.114 * rgb[(i * 3) + 2]);
        }

        var image64 = new double[Side * Side];
        if (width == Side && height == Side)
        {
            Array.Copy(plane, image64, image64.Length);
        }
        else
        {
            int wRows = (int)Math.Ceiling(width / 128.0);
            int wCols = (int)Math.Ceiling(height / 128.0);
            for (int pass = 0; pass < 2; pass++)
            {
                plane = WindowMean(plane, width, height, wRows, alongRows: true);
                plane = WindowMean(plane, width, height, wCols, alongRows: false);
            }

            for (int i = 0; i < Side; i++)
            {
                for (int j = 0; j < Side; j++)
                {
                    int y = (int)Math.Floor((i + 0.5) * height / Side);
                    int x = (int)Math.Floor((j + 0.5) * width / Side);
                    image64[(i * Side) + j] = plane[(y * width) + x];
                }
            }
        }

        int gradient = 0;
        for (int i = 0; i < Side; i++)
        {
            for (int j = 0; j < Side; j++)
            {
                if (i < Side - 1)
                {
                    gradient += Math.Abs((int)((image64[(i * Side) + j] - image64[((i + 1) * Side) + j]) * 100 / 255));
                }

                if (j < Side - 1)
                {
                    gradient += Math.Abs((int)((image64[(i * Side) + j] - image64[(i * Side) + j + 1]) * 100 / 255));
                }
            }
        }

        var dct = new double[256];
        for (int u = 0; u < 16; u++)
        {
            for (int v = 0; v < 16; v++)
            {
                double sum = 0;
                for (int y = 0; y < Side; y++)
                {
                    double cu = Math.Cos(Math.PI / 128 * (u + 1) * ((2 * y) + 1));
                    for (int x = 0; x < Side; x++)
                    {
                        sum += cu * Math.Cos(Math.PI / 128 * (v + 1) * ((2 * x) + 1)) * image64[(y * Side) + x];
                    }
                }

                dct[(u * 16) + v] = sum * 2.0 / Side;
            }
        }

        return (image64, dct, Math.Min(100, gradient / 90));
    }

    /// <summary>The 128th smallest of the values (the lower median of 256).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[(sorted.Length / 2) - 1];
    }

    private static void RunningBox(float[] input, float[] output, int start, int stride, int length, int window)
    {
        int half = (window + 2) / 2;
        int before = half - 1;
        int li = start;
        int ri = start;
        int oi = start;
        float sum = 0;
        int count = 0;
        for (int i = 0; i < before; i++)
        {
            sum += input[ri];
            ri += stride;
            count++;
        }

        for (int o = 0; o < length; o++)
        {
            if (o + before < length)
            {
                sum += input[ri];
                ri += stride;
                count++;
            }

            if (o - (window - half) - 1 >= 0)
            {
                sum -= input[li];
                li += stride;
                count--;
            }

            // In the full-window stretch the add comes first, then the subtract, then the write; at the ends
            // only one of them happens; the count is the number of samples in the window.
            output[oi] = sum / count;
            oi += stride;
        }
    }

    private static double[] WindowMean(double[] plane, int width, int height, int window, bool alongRows)
    {
        int before = (window - 1) / 2;
        int after = window / 2;
        var output = new double[plane.Length];
        int lines = alongRows ? height : width;
        int length = alongRows ? width : height;
        for (int line = 0; line < lines; line++)
        {
            for (int o = 0; o < length; o++)
            {
                int lo = Math.Max(0, o - before);
                int hi = Math.Min(length - 1, o + after);
                double sum = 0;
                for (int k = lo; k <= hi; k++)
                {
                    sum += alongRows ? plane[(line * width) + k] : plane[(k * width) + line];
                }

                output[alongRows ? (line * width) + o : (o * width) + line] = sum / (hi - lo + 1);
            }
        }

        return output;
    }
}
