using System.Buffers;

namespace Detector.Imaging.Preprocessing.Resamplers;

/// <summary>
/// PIL 9.4 <c>Image.resize</c> with BILINEAR or BICUBIC on interleaved RGB8, written from how PIL's
/// convolution resampler works:
/// <list type="bullet">
/// <item>per output pixel a window of source pixels; when shrinking, the filter support is widened by the
/// scale factor (antialiasing), when enlarging it stays as is;</item>
/// <item>window weights in double, normalised to sum 1, then turned into fixed point with 22 fraction bits
/// (32 - 8 - 2) rounded away from zero;</item>
/// <item>a horizontal pass, then a vertical pass, each accumulating in int from a half-unit bias and clipping
/// to 8 bits, so the intermediate image is 8-bit;</item>
/// <item>a pass whose dimension does not change is skipped (PIL copies when neither changes).</item>
/// </list>
/// </summary>
public static class PilConvolutionResampler
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const int HalfUnit = 1 << (PrecisionBits - 1);
    private const double BicubicA = -0.5;

    /// <summary>Resizes <paramref name="source"/> (srcWidth x srcHeight RGB8) into <paramref name="destination"/> with <see cref="ResizeFilter.PilBilinear"/> or <see cref="ResizeFilter.PilBicubic"/>.</summary>
    public static void Resize(
        ReadOnlySpan<byte> source,
        int srcWidth,
        int srcHeight,
        Span<byte> destination,
        int dstWidth,
        int dstHeight,
        ResizeFilter filter)
    {
        ResamplerGuard.Check(source, srcWidth, srcHeight, destination, dstWidth, dstHeight);
        if (filter is not (ResizeFilter.PilBilinear or ResizeFilter.PilBicubic))
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter, "Only PilBilinear and PilBicubic are convolution filters.");
        }

        bool needHorizontal = srcWidth != dstWidth;
        bool needVertical = srcHeight != dstHeight;
        if (!needHorizontal && !needVertical)
        {
            source[..(srcWidth * srcHeight * 3)].CopyTo(destination);
            return;
        }

        Coefficients horizontal = default;
        Coefficients vertical = default;
        byte[]? temp = null;
        try
        {
            if (!needVertical)
            {
                horizontal = Coefficients.Compute(srcWidth, dstWidth, filter);
                ResampleHorizontal(source, srcWidth, destination, dstWidth, 0, dstHeight, horizontal);
                return;
            }

            vertical = Coefficients.Compute(srcHeight, dstHeight, filter);
            if (!needHorizontal)
            {
                ResampleVertical(source, srcWidth, destination, dstHeight, vertical, 0);
                return;
            }

            // Only the source rows that some output row reads go through the horizontal pass.
            horizontal = Coefficients.Compute(srcWidth, dstWidth, filter);
            int firstRow = vertical.Bounds[0];
            int lastRow = vertical.Bounds[(dstHeight * 2) - 2] + vertical.Bounds[(dstHeight * 2) - 1];
            int tempRows = lastRow - firstRow;

            // In 64 bits: a tall, narrow source stretched wide needs dstWidth x tempRows x 3 bytes, which can pass
            // int.MaxValue and would wrap to a small buffer that the pointer loops below then overrun.
            long tempLength = (long)dstWidth * tempRows * 3;
            if (tempLength > Array.MaxLength)
            {
                throw new ArgumentException(
                    $"Resizing {srcWidth}x{srcHeight} to {dstWidth}x{dstHeight} needs a {dstWidth}x{tempRows} intermediate, too large for one buffer.",
                    nameof(source));
            }

            temp = ArrayPool<byte>.Shared.Rent((int)tempLength);
            Span<byte> tempSpan = temp.AsSpan(0, (int)tempLength);
            ResampleHorizontal(source, srcWidth, tempSpan, dstWidth, firstRow, tempRows, horizontal);
            ResampleVertical(tempSpan, dstWidth, destination, dstHeight, vertical, firstRow);
        }
        finally
        {
            horizontal.Return();
            vertical.Return();
            if (temp is not null)
            {
                ArrayPool<byte>.Shared.Return(temp);
            }
        }
    }

    private static unsafe void ResampleHorizontal(
        ReadOnlySpan<byte> source,
        int srcWidth,
        Span<byte> destination,
        int dstWidth,
        int firstSourceRow,
        int rows,
        Coefficients c)
    {
        int srcStride = srcWidth * 3;
        int dstStride = dstWidth * 3;
        int kernelSize = c.KernelSize;
        if ((long)rows * dstStride > destination.Length || (long)(firstSourceRow + rows) * srcStride > source.Length)
        {
            throw new ArgumentException("The rows to resample do not fit the spans.", nameof(destination));
        }

        // Pointers: the windows were clamped to [0, srcWidth) when the coefficients were built and the spans
        // were checked against the sizes, so the hot loop runs without per-tap bounds checks.
        fixed (byte* srcBase = source)
        fixed (byte* dstBase = destination)
        fixed (int* bounds = c.Bounds)
        fixed (int* weights = c.Weights)
        {
            for (int y = 0; y < rows; y++)
            {
                byte* srcRow = srcBase + ((long)(firstSourceRow + y) * srcStride);
                byte* dst = dstBase + ((long)y * dstStride);
                for (int x = 0; x < dstWidth; x++, dst += 3)
                {
                    int count = bounds[(2 * x) + 1];
                    int* k = weights + ((long)x * kernelSize);
                    byte* p = srcRow + (bounds[2 * x] * 3);
                    int s0 = HalfUnit;
                    int s1 = HalfUnit;
                    int s2 = HalfUnit;
                    for (int i = 0; i < count; i++, p += 3)
                    {
                        int w = k[i];
                        s0 += p[0] * w;
                        s1 += p[1] * w;
                        s2 += p[2] * w;
                    }

                    dst[0] = Clip8(s0);
                    dst[1] = Clip8(s1);
                    dst[2] = Clip8(s2);
                }
            }
        }
    }

    private static unsafe void ResampleVertical(
        ReadOnlySpan<byte> source,
        int width,
        Span<byte> destination,
        int dstHeight,
        Coefficients c,
        int rowOffset)
    {
        int stride = width * 3;
        int kernelSize = c.KernelSize;
        int[] accumulator = ArrayPool<int>.Shared.Rent(stride);
        try
        {
            fixed (byte* srcBase = source)
            fixed (byte* dstBase = destination)
            fixed (int* bounds = c.Bounds)
            fixed (int* weights = c.Weights)
            fixed (int* acc = accumulator)
            {
                for (int y = 0; y < dstHeight; y++)
                {
                    int start = bounds[2 * y] - rowOffset;
                    int count = bounds[(2 * y) + 1];
                    int* k = weights + ((long)y * kernelSize);
                    new Span<int>(acc, stride).Fill(HalfUnit);

                    // Row by row over the window: the same integer sums as PIL's per-pixel loop (integer addition
                    // is exact and the order does not matter), with sequential memory access.
                    for (int i = 0; i < count; i++)
                    {
                        int w = k[i];
                        byte* srcRow = srcBase + ((long)(start + i) * stride);
                        for (int e = 0; e < stride; e++)
                        {
                            acc[e] += srcRow[e] * w;
                        }
                    }

                    byte* dst = dstBase + ((long)y * stride);
                    for (int e = 0; e < stride; e++)
                    {
                        dst[e] = Clip8(acc[e]);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(accumulator);
        }
    }

    private static byte Clip8(int value)
    {
        // Arithmetic shift floors negatives, which then clip to 0 as PIL's lookup table does.
        int v = value >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    private static double Bilinear(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Bicubic(double x)
    {
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((BicubicA + 2.0) * x) - (BicubicA + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * BicubicA;
        }

        return 0.0;
    }

    /// <summary>Per-output-pixel windows (start, count) and their fixed-point weights, in pooled arrays.</summary>
    private struct Coefficients
    {
        public int[] Bounds;
        public int[] Weights;
        public int KernelSize;

        public static Coefficients Compute(int inSize, int outSize, ResizeFilter filter)
        {
            double support = filter == ResizeFilter.PilBicubic ? 2.0 : 1.0;
            double scale = (double)inSize / outSize;
            double filterScale = scale < 1.0 ? 1.0 : scale;
            support *= filterScale;
            int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;

            var result = new Coefficients
            {
                Bounds = ArrayPool<int>.Shared.Rent(outSize * 2),
                Weights = ArrayPool<int>.Shared.Rent(checked(outSize * kernelSize)),
                KernelSize = kernelSize,
            };
            double[] window = ArrayPool<double>.Shared.Rent(kernelSize);
            try
            {
                double inverseFilterScale = 1.0 / filterScale;
                for (int o = 0; o < outSize; o++)
                {
                    double center = (o + 0.5) * scale;

                    // Window rounded to whole pixels and clamped to the image, as PIL does (C truncation = (int)).
                    int min = (int)(center - support + 0.5);
                    if (min < 0)
                    {
                        min = 0;
                    }

                    int max = (int)(center + support + 0.5);
                    if (max > inSize)
                    {
                        max = inSize;
                    }

                    int count = max - min;
                    double total = 0.0;
                    for (int i = 0; i < count; i++)
                    {
                        double t = ((i + min) - center + 0.5) * inverseFilterScale;
                        double w = filter == ResizeFilter.PilBicubic ? Bicubic(t) : Bilinear(t);
                        window[i] = w;
                        total += w;
                    }

                    Span<int> fixedWeights = result.Weights.AsSpan(o * kernelSize, kernelSize);
                    for (int i = 0; i < count; i++)
                    {
                        double w = total != 0.0 ? window[i] / total : window[i];
                        fixedWeights[i] = w < 0
                            ? (int)(-0.5 + (w * (1 << PrecisionBits)))
                            : (int)(0.5 + (w * (1 << PrecisionBits)));
                    }

                    fixedWeights[count..].Clear();
                    result.Bounds[2 * o] = min;
                    result.Bounds[(2 * o) + 1] = count;
                }

                return result;
            }
            catch
            {
                result.Return();
                throw;
            }
            finally
            {
                ArrayPool<double>.Shared.Return(window);
            }
        }

        public readonly void Return()
        {
            if (Bounds is not null)
            {
                ArrayPool<int>.Shared.Return(Bounds);
            }

            if (Weights is not null)
            {
                ArrayPool<int>.Shared.Return(Weights);
            }
        }
    }
}
