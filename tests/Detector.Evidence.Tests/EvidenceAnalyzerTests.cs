using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

public class EvidenceAnalyzerTests
{
    [Fact]
    public void Analyze_EmptyInput_ReportsWithoutThrowing()
    {
        EvidenceReport report = EvidenceAnalyzer.Analyze(ReadOnlyMemory<byte>.Empty, null, null);

        Assert.Equal("unknown", report.Container);
        Assert.Contains(report.Findings, f => f.Summary == "The file is empty.");
    }

    [Fact]
    public void Analyze_RandomBytes_NeverThrowsAndTimesEveryExtractor()
    {
        byte[] noise = new byte[10_000];
        new Random(1).NextBytes(noise);

        EvidenceReport report = Analyze(noise);

        Assert.Equal(["container", "file-facts", "c2pa", "xmp", "generator-metadata", "stealth-pnginfo", "watermark-dwtdct", "pdq-hash"], report.Timings.Select(t => t.Extractor));
        Assert.Equal(ExtractorOutcome.Skipped, report.Timings.Single(t => t.Extractor == "pdq-hash").Outcome);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Analyze_WithPixels_RunsWatermarkAndPdq()
    {
        int width = 256;
        int height = 256;
        byte[] rgb = new byte[width * height * 3];
        new Random(3).NextBytes(rgb);
        byte[] png = PngBuilder.Image(width, height, rgb, alpha: false);

        EvidenceReport report = Analyze(png, new EvidencePixels(width, height, rgb));

        Finding pdq = Single(report, FindingKinds.PerceptualHash);
        Assert.Equal(64, pdq.ValueOf("pdq")!.Length);
        Finding watermark = Single(report, FindingKinds.Watermark);
        Assert.Equal(FindingStrength.NeutralFact, watermark.Strength);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Analyze_InconsistentPixels_AreIgnoredWithAFinding()
    {
        EvidenceReport report = Analyze(PngBuilder.Small(_ => { }), new EvidencePixels(10, 10, new byte[5]));

        Assert.Contains(report.Findings, f => f.Summary.Contains("not width x height x 3", StringComparison.Ordinal));
        Assert.Equal(ExtractorOutcome.Skipped, report.Timings.Single(t => t.Extractor == "pdq-hash").Outcome);
    }

    [Fact]
    public void Analyze_InvalidOptions_FallBackToDefaults()
    {
        EvidenceReport report = Analyze(PngBuilder.Small(_ => { }), options: new EvidenceOptions { MaxJumbfDepth = -1 });

        Assert.Contains(report.Findings, f => f.Summary.Contains("defaults were used", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_OverInputCap_NotExamined()
    {
        EvidenceReport report = Analyze(new byte[2000], options: new EvidenceOptions { MaxInputBytes = 1000 });

        Single(report, FindingKinds.InputNotExamined);
    }

    [Fact]
    public void Analyze_TinyTimeBudget_StopsExtractorsAndSaysSo()
    {
        // Many chunks, so the walkers loop long enough for the budget to be checked after the deadline.
        PngBuilder builder = new();
        builder.Header(1, 1, 8, 2);
        for (int i = 0; i < 20_000; i++)
        {
            builder.Text("k" + i, "v");
        }

        byte[] png = builder.Chunk("IDAT", PngBuilder.Zlib(new byte[4])).End().Build();

        EvidenceReport report = Analyze(png, options: new EvidenceOptions { ExtractorTimeout = TimeSpan.FromTicks(1) });

        Assert.Contains(report.Timings, t => t.Outcome == ExtractorOutcome.BudgetExceeded);
        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.ExtractorFailed && f.Summary.Contains("time budget", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_ManyFindings_AreCappedPerExtractor()
    {
        PngBuilder builder = new();
        builder.Header(1, 1, 8, 2);
        for (int i = 0; i < 50; i++)
        {
            builder.Text("k" + i, "v");
        }

        byte[] png = builder.Chunk("IDAT", PngBuilder.Zlib(new byte[4])).End().Build();

        EvidenceReport report = Analyze(png, options: new EvidenceOptions { MaxFindingsPerExtractor = 10 });

        Assert.Equal(10, report.Findings.Count(f => f.Kind == FindingKinds.PngText));
        Assert.Contains(report.Findings, f => f.Summary.Contains("further findings were not reported", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_LongPrompt_IsClippedWithNote()
    {
        string prompt = new('a', 20_000);
        byte[] png = PngBuilder.Small(b => b.Text("parameters", prompt + "\nSteps: 20, Sampler: Euler, Seed: 1"));

        string value = Single(Analyze(png), FindingKinds.GeneratorParameters).ValueOf("prompt")!;

        Assert.EndsWith("[cut: 20000 characters in all]", value, StringComparison.Ordinal);
        Assert.True(value.Length < 9000);
    }

    [Fact]
    public void Analyze_ConcurrentCalls_GiveIdenticalResults()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Jumbf(JumbfBuilder.AiStore()).Xmp(XmpPackets.Attribute(JumbfBuilder.TrainedAlgorithmicMedia)));
        string expected = Dump(Analyze(jpeg));

        string[] results = new string[16];
        Parallel.For(0, results.Length, i => results[i] = Dump(Analyze(jpeg)));

        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
