using System.Diagnostics;
using System.Globalization;
using Detector.Evidence.Hashing;
using Detector.Evidence.Watermark;
using Xunit.Abstractions;

namespace Detector.Evidence.Tests;

/// <summary>
/// Prints the cost of the two pixel-level signals (PDQ and the dwtDct watermark) at fixed sizes on noise, the median
/// of several runs each, so figures stay comparable across changes. Only loose sanity is asserted, never a timing.
/// </summary>
public sealed class PixelSignalCostTests
{
    private const int Runs = 7;

    private readonly ITestOutputHelper _output;

    public PixelSignalCostTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(1024, 768)]
    [InlineData(1400, 1064)]
    [InlineData(2048, 1152)]
    public void PixelSignals_NoiseAtFixedSize_PrintsMedianMilliseconds(int width, int height)
    {
        byte[] rgb = RgbImages.Noise(width, height, seed: width + height);
        var hasher = new PdqHasher();

        double pdq = Median(() => hasher.Compute(rgb, width, height));
        double watermark = Median(() => DwtDctWatermarkDecoder.Decode(rgb, width, height));

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{width}x{height}: PDQ {pdq:0.00} ms, watermark {watermark:0.00} ms (median of {Runs})"));
        Assert.Equal(DwtDctDecodeStatus.Decoded, DwtDctWatermarkDecoder.Decode(rgb, width, height).Status);
        Assert.NotEqual(PdqHash.Zero.Hex, hasher.Compute(rgb, width, height).Hex);
    }

    /// <summary>Median wall time of <see cref="Runs"/> calls after one warm-up call.</summary>
    internal static double Median(Action action)
    {
        action();
        var times = new double[Runs];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }
}
