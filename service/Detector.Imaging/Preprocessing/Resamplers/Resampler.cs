namespace Detector.Imaging.Preprocessing.Resamplers;

/// <summary>Dispatches a <see cref="ResizeFilter"/> to its library-exact resampler (interleaved RGB8 in and out).</summary>
public static class Resampler
{
    public static void Resize(
        ResizeFilter filter,
        ReadOnlySpan<byte> source,
        int srcWidth,
        int srcHeight,
        Span<byte> destination,
        int dstWidth,
        int dstHeight)
    {
        switch (filter)
        {
            case ResizeFilter.PilNearest:
                PilNearestResampler.Resize(source, srcWidth, srcHeight, destination, dstWidth, dstHeight);
                break;
            case ResizeFilter.PilBilinear:
            case ResizeFilter.PilBicubic:
                PilConvolutionResampler.Resize(source, srcWidth, srcHeight, destination, dstWidth, dstHeight, filter);
                break;
            case ResizeFilter.OpenCvLinear:
                OpenCvLinearResampler.Resize(source, srcWidth, srcHeight, destination, dstWidth, dstHeight);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown resize filter.");
        }
    }
}
