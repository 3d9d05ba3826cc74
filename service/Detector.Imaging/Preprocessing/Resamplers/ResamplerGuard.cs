namespace Detector.Imaging.Preprocessing.Resamplers;

/// <summary>Argument checks shared by the resamplers (3 interleaved channels, sizes that fit the spans).</summary>
internal static class ResamplerGuard
{
    public static void Check(ReadOnlySpan<byte> source, int srcWidth, int srcHeight, Span<byte> destination, int dstWidth, int dstHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(srcWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(srcHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dstWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dstHeight, 1);
        if (source.Length < (long)srcWidth * srcHeight * 3)
        {
            throw new ArgumentException("Source shorter than srcWidth * srcHeight * 3.", nameof(source));
        }

        if (destination.Length < (long)dstWidth * dstHeight * 3)
        {
            throw new ArgumentException("Destination shorter than dstWidth * dstHeight * 3.", nameof(destination));
        }
    }
}
