using System.Diagnostics;
using System.Globalization;
using Detector.Evidence.Model;
using Detector.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace Detector.Evidence.Tests;

/// <summary>
/// Measures the per-image cost of the whole evidence layer on ../shared/data (synthetic/ and manipulation/), pixels decoded
/// beforehand and excluded from the timing. Prints mean / p50 / p95 / max and per-extractor means; the bound asserted is loose.
/// </summary>
public class CostMeasurementTests
{
    private readonly ITestOutputHelper _output;

    public CostMeasurementTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [SharedDataFact]
    public void WholeLayer_OnSharedData_CostPerImage()
    {
        List<string> files = [];
        foreach (string set in new[] { "data/synthetic", "data/manipulation" })
        {
            files.AddRange(Directory.EnumerateFiles(SharedData.PathOf(set), "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".webp", StringComparison.OrdinalIgnoreCase)));
        }

        files.Sort(StringComparer.Ordinal);
        Assert.NotEmpty(files);

        List<double> withPixels = [];
        List<double> bytesOnly = [];
        Dictionary<string, double> perExtractor = [];
        Dictionary<string, int> proofKinds = [];
        int warmup = 0;
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            EvidencePixels pixels = Decode(bytes);
            if (warmup++ < 3)
            {
                EvidenceAnalyzer.Analyze(bytes, pixels, null);
            }

            long start = Stopwatch.GetTimestamp();
            EvidenceReport report = EvidenceAnalyzer.Analyze(bytes, pixels, null);
            withPixels.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            EvidenceAnalyzer.Analyze(bytes, null, null);
            bytesOnly.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            foreach (ExtractorTiming timing in report.Timings)
            {
                perExtractor[timing.Extractor] = perExtractor.GetValueOrDefault(timing.Extractor) + timing.Elapsed.TotalMilliseconds;
            }

            foreach (Finding finding in report.Findings.Where(f => f.Strength is FindingStrength.ProofOfAiGeneration or FindingStrength.ProofOfAiEditing or FindingStrength.SupportingHint))
            {
                string key = $"{finding.Strength} {finding.Kind}";
                proofKinds[key] = proofKinds.GetValueOrDefault(key) + 1;
            }

            Assert.DoesNotContain(report.Timings, t => t.Outcome is ExtractorOutcome.Failed or ExtractorOutcome.BudgetExceeded);
        }

        _output.WriteLine($"{files.Count} images (synthetic/ and manipulation/), pixels decoded beforehand and not timed.");
        _output.WriteLine("whole layer with pixels (watermark + PDQ included): " + Stats(withPixels));
        _output.WriteLine("byte extractors only (no pixels):                   " + Stats(bytesOnly));
        foreach ((string extractor, double total) in perExtractor.OrderByDescending(p => p.Value))
        {
            _output.WriteLine($"  {extractor,-20} mean {(total / files.Count).ToString("0.000", CultureInfo.InvariantCulture)} ms");
        }

        foreach ((string kind, int count) in proofKinds.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            _output.WriteLine($"  finding {kind}: {count}");
        }

        withPixels.Sort();
        Assert.True(Percentile(withPixels, 0.95) < 2000, "p95 over 2 s per image");
    }

    private static EvidencePixels Decode(byte[] bytes)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(bytes);
        byte[] rgb = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(rgb);
        return new EvidencePixels(image.Width, image.Height, rgb);
    }

    private static string Stats(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return string.Create(CultureInfo.InvariantCulture, $"mean {sorted.Average():0.00} ms, p50 {Percentile(sorted, 0.5):0.00} ms, p95 {Percentile(sorted, 0.95):0.00} ms, max {sorted[^1]:0.00} ms");
    }

    private static double Percentile(List<double> sorted, double p)
    {
        int index = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
