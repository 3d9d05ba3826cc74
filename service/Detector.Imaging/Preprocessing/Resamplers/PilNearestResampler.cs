using System.Buffers;

namespace Detector.Imaging.Preprocessing.Resamplers;

/// <summary>
/// PIL 9.4 <c>Image.resize(size, NEAREST)</c> on interleaved RGB8. PIL treats this resize as an affine scale:
/// the step is <c>in / out</c> in double, the first sample sits at <c>step * 0.5</c>, and each next one adds the
/// step (accumulated, not multiplied), truncated to an index. ImageSharp's NearestNeighbor samples
/// <c>floor(x * in / out)</c> instead, which is why it cannot stand in for Keras or PIL.
/// </summary>
public static class PilNearestResampler
{
    /// <summary>Fills <paramref name="indices"/> (length <paramref name="outSize"/>) with the source index PIL reads for each output index.</summary>
    public static void SourceIndices(int inSize, int outSize, Span<int> indices)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outSize, 1);
        if (indices.Length < outSize)
        {
            throw new ArgumentException("Index span shorter than the output size.", nameof(indices));
        }

        double step = (double)inSize / outSize;
        double position = step * 0.5;
        for (int i = 0; i < outSize; i++)
        {
            // (int) truncates as C does; the clamp never binds for in/out steps but keeps a hostile size pair in bounds.
            int index = (int)position;
            indices[i] = index < inSize ? index : inSize - 1;
            position += step;
        }
    }

    /// <summary>Resizes <paramref name="source"/> (srcWidth x srcHeight RGB8) into <paramref name="destination"/> (dstWidth x dstHeight RGB8).</summary>
    public static void Resize(ReadOnlySpan<byte> source, int srcWidth, int srcHeight, Span<byte> destination, int dstWidth, int dstHeight)
    {
        ResamplerGuard.Check(source, srcWidth, srcHeight, destination, dstWidth, dstHeight);
        if (srcWidth == dstWidth && srcHeight == dstHeight)
        {
            source[..(srcWidth * srcHeight * 3)].CopyTo(destination);
            return;
        }

        int[] xIndex = ArrayPool<int>.Shared.Rent(dstWidth);
        int[] yIndex = ArrayPool<int>.Shared.Rent(dstHeight);
        try
        {
            SourceIndices(srcWidth, dstWidth, xIndex);
            SourceIndices(srcHeight, dstHeight, yIndex);

            int srcStride = srcWidth * 3;
            int dstStride = dstWidth * 3;
            for (int y = 0; y < dstHeight; y++)
            {
                ReadOnlySpan<byte> srcRow = source.Slice(yIndex[y] * srcStride, srcStride);
                Span<byte> dstRow = destination.Slice(y * dstStride, dstStride);
                for (int x = 0, d = 0; x < dstWidth; x++, d += 3)
                {
                    int s = xIndex[x] * 3;
                    dstRow[d] = srcRow[s];
                    dstRow[d + 1] = srcRow[s + 1];
                    dstRow[d + 2] = srcRow[s + 2];
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(xIndex);
            ArrayPool<int>.Shared.Return(yIndex);
        }
    }
}
