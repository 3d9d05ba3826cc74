using System.Buffers;

namespace Detector.Imaging.Preprocessing.Resamplers;

/// <summary>
/// OpenCV 4.x <c>cv2.resize(..., INTER_LINEAR)</c> for 8-bit, 3-channel images, written from how OpenCV's
/// fixed-point linear resize works. It is not antialiased: each output pixel reads the 2x2 source pixels around
/// <c>src = (dst + 0.5) * scale - 0.5</c>.
/// <list type="bullet">
/// <item>coordinates in float (computed from a double scale), floored; the fraction becomes two 11-bit weights
/// <c>round((1 - f) * 2048)</c>, <c>round(f * 2048)</c> (round half to even, as cvRound);</item>
/// <item>horizontally, positions left of the image or past its last pixel clamp to the edge with weights (2048, 0);
/// vertically, the two source rows are clamped into the image but keep their weights;</item>
/// <item>the horizontal pass writes exact int sums (pixel x 2048 scale); the vertical pass combines two rows with
/// the rounding of OpenCV's 128-bit SIMD kernel, <c>((S0 &gt;&gt; 4) * b0 &gt;&gt; 16) + ((S1 &gt;&gt; 4) * b1 &gt;&gt; 16) + 2 &gt;&gt; 2</c>,
/// and the last <c>width % 8</c> values of each row (the ones the SIMD loop leaves) with the scalar rounding
/// <c>(S0 * b0 + S1 * b1 + 2^21) &gt;&gt; 22</c>;</item>
/// <item>same size in and out is a plain copy, as in cv::resize.</item>
/// </list>
/// Only reproducible to about one level across OpenCV builds whose SIMD width differs (the scalar tail moves).
/// </summary>
public static class OpenCvLinearResampler
{
    private const int CoefBits = 11;
    private const int CoefScale = 1 << CoefBits;

    // Values per row handled by OpenCV's vector loops are a multiple of this (8 int16 lanes in a 128-bit register).
    private const int SimdGranule = 8;

    /// <summary>Resizes <paramref name="source"/> (srcWidth x srcHeight RGB8) into <paramref name="destination"/> (dstWidth x dstHeight RGB8).</summary>
    public static void Resize(ReadOnlySpan<byte> source, int srcWidth, int srcHeight, Span<byte> destination, int dstWidth, int dstHeight)
    {
        ResamplerGuard.Check(source, srcWidth, srcHeight, destination, dstWidth, dstHeight);
        if (srcWidth == dstWidth && srcHeight == dstHeight)
        {
            source[..(srcWidth * srcHeight * 3)].CopyTo(destination);
            return;
        }

        int rowValues = dstWidth * 3;
        int[] xOffset = ArrayPool<int>.Shared.Rent(dstWidth * 2);
        short[] alpha = ArrayPool<short>.Shared.Rent(dstWidth * 2);
        int[] row0 = ArrayPool<int>.Shared.Rent(rowValues);
        int[] row1 = ArrayPool<int>.Shared.Rent(rowValues);
        try
        {
            ComputeHorizontal(srcWidth, dstWidth, xOffset, alpha);

            // OpenCV divides in double: scale = 1 / (dst / src), not src / dst.
            double scaleY = 1.0 / ((double)dstHeight / srcHeight);
            int srcStride = srcWidth * 3;
            int cached0 = -1;
            int cached1 = -1;
            int simdEnd = rowValues - (rowValues % SimdGranule);
            for (int y = 0; y < dstHeight; y++)
            {
                (int sy, short b0, short b1) = Coordinate(y, scaleY);
                int r0 = Clamp(sy, srcHeight);
                int r1 = Clamp(sy + 1, srcHeight);

                // Consecutive output rows mostly share source rows: reuse the horizontal results.
                if (r0 == cached1 && r0 != cached0)
                {
                    (row0, row1) = (row1, row0);
                    (cached0, cached1) = (cached1, cached0);
                }

                if (r0 != cached0)
                {
                    HorizontalRow(source.Slice(r0 * srcStride, srcStride), dstWidth, xOffset, alpha, row0);
                    cached0 = r0;
                }

                if (r1 != cached1)
                {
                    if (r1 == cached0)
                    {
                        row0.AsSpan(0, rowValues).CopyTo(row1);
                    }
                    else
                    {
                        HorizontalRow(source.Slice(r1 * srcStride, srcStride), dstWidth, xOffset, alpha, row1);
                    }

                    cached1 = r1;
                }

                VerticalRow(row0, row1, b0, b1, destination.Slice(y * rowValues, rowValues), simdEnd);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(xOffset);
            ArrayPool<short>.Shared.Return(alpha);
            ArrayPool<int>.Shared.Return(row0);
            ArrayPool<int>.Shared.Return(row1);
        }
    }

    /// <summary>The 11-bit weights OpenCV computes for output index <paramref name="index"/>: source index and (1 - f, f) in fixed point.</summary>
    public static (int Source, short Weight0, short Weight1) Coordinate(int index, double scale)
    {
        float f = (float)(((index + 0.5) * scale) - 0.5);
        int s = (int)MathF.Floor(f);
        f -= s;
        return (s, ToFixed(1f - f), ToFixed(f));
    }

    private static void ComputeHorizontal(int srcWidth, int dstWidth, Span<int> xOffset, Span<short> alpha)
    {
        double scaleX = 1.0 / ((double)dstWidth / srcWidth);
        for (int x = 0; x < dstWidth; x++)
        {
            (int sx, short a0, short a1) = Coordinate(x, scaleX);
            if (sx < 0)
            {
                (sx, a0, a1) = (0, CoefScale, 0);
            }

            if (sx >= srcWidth - 1)
            {
                (sx, a0, a1) = (srcWidth - 1, CoefScale, 0);
            }

            // Second tap clamped only so that it stays in bounds; its weight is 0 whenever it would leave the row.
            xOffset[2 * x] = sx * 3;
            xOffset[(2 * x) + 1] = Math.Min(sx + 1, srcWidth - 1) * 3;
            alpha[2 * x] = a0;
            alpha[(2 * x) + 1] = a1;
        }
    }

    private static void HorizontalRow(ReadOnlySpan<byte> srcRow, int dstWidth, ReadOnlySpan<int> xOffset, ReadOnlySpan<short> alpha, Span<int> destination)
    {
        for (int x = 0, d = 0; x < dstWidth; x++, d += 3)
        {
            int s0 = xOffset[2 * x];
            int s1 = xOffset[(2 * x) + 1];
            int a0 = alpha[2 * x];
            int a1 = alpha[(2 * x) + 1];
            destination[d] = (srcRow[s0] * a0) + (srcRow[s1] * a1);
            destination[d + 1] = (srcRow[s0 + 1] * a0) + (srcRow[s1 + 1] * a1);
            destination[d + 2] = (srcRow[s0 + 2] * a0) + (srcRow[s1 + 2] * a1);
        }
    }

    private static void VerticalRow(ReadOnlySpan<int> s0, ReadOnlySpan<int> s1, int b0, int b1, Span<byte> destination, int simdEnd)
    {
        for (int x = 0; x < simdEnd; x++)
        {
            // SIMD kernel: pack (S >> 4) to int16, multiply-high by the 16-bit weight, add, round by 2 bits.
            int v = ((((s0[x] >> 4) * b0) >> 16) + (((s1[x] >> 4) * b1) >> 16) + 2) >> 2;
            destination[x] = SaturateByte(v);
        }

        for (int x = simdEnd; x < destination.Length; x++)
        {
            int v = ((s0[x] * b0) + (s1[x] * b1) + (1 << ((2 * CoefBits) - 1))) >> (2 * CoefBits);
            destination[x] = SaturateByte(v);
        }
    }

    private static short ToFixed(float weight) => (short)MathF.Round(weight * CoefScale, MidpointRounding.ToEven);

    private static int Clamp(int index, int size) => index < 0 ? 0 : index >= size ? size - 1 : index;

    private static byte SaturateByte(int v) => v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
}
