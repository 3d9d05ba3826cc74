using System.Diagnostics;
using System.Globalization;
using Detector.Evidence.C2pa;
using Detector.Evidence.Containers;
using Detector.Evidence.FileFacts;
using Detector.Evidence.Generators;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;
using Detector.Evidence.Signals;
using Detector.Evidence.Xmp;

namespace Detector.Evidence;

/// <summary>
/// Entry point of the evidence layer. Runs every extractor over one file and returns structured findings with per-extractor
/// timing. Thread-safe (no shared mutable state) and never throws: an extractor that fails or runs out of its time budget
/// becomes a neutral 'extractor failed' finding, and what it found before that is kept.
/// </summary>
public static class EvidenceAnalyzer
{
    private const string ContainerStage = "container";

    private static readonly IEvidenceExtractor[] ByteExtractors =
    [
        new FileFactsExtractor(),
        new C2paExtractor(),
        new XmpExtractor(),
        new GeneratorMetadataExtractor(),
        new StealthInfoExtractor(),
    ];

    private static readonly IEvidenceExtractor WatermarkExtractor = new WatermarkExtractor();
    private static readonly IEvidenceExtractor PdqExtractor = new PdqHashExtractor();

    /// <summary>Analyses one file.</summary>
    /// <param name="bytes">The file as received (untrusted).</param>
    /// <param name="pixels">The pixels the service already decoded (interleaved RGB8), or null; reused, never decoded again.</param>
    /// <param name="options">Limits; null for <see cref="EvidenceOptions.Default"/>. Invalid values fall back to the defaults.</param>
    public static EvidenceReport Analyze(ReadOnlyMemory<byte> bytes, EvidencePixels? pixels, EvidenceOptions? options = null)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return AnalyzeCore(bytes, pixels, options, started, strict: false);
        }
        catch (Exception ex)
        {
            // Defence in depth: every stage already catches; this keeps the promise if the bookkeeping itself fails.
            Finding failed = new(FindingKinds.ExtractorFailed, FindingStrength.NeutralFact, $"The evidence layer failed ({ex.GetType().Name}); no evidence could be read.", [], FindingLocation.File("unknown"));
            return new EvidenceReport("unknown", [failed], [], Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// For the fuzz harness: the same analysis, but an exception inside an extractor or the container walk propagates
    /// instead of becoming a finding, so the fuzzer sees it as a crash. Budget overruns are still reported as findings.
    /// </summary>
    internal static EvidenceReport AnalyzeStrict(ReadOnlyMemory<byte> bytes, EvidencePixels? pixels, EvidenceOptions? options)
        => AnalyzeCore(bytes, pixels, options, Stopwatch.GetTimestamp(), strict: true);

    private static EvidenceReport AnalyzeCore(ReadOnlyMemory<byte> bytes, EvidencePixels? pixels, EvidenceOptions? options, long started, bool strict)
    {
        List<Finding> findings = [];
        List<ExtractorTiming> timings = [];
        options ??= EvidenceOptions.Default;
        if (options.Validate().Count > 0)
        {
            findings.Add(Neutral(FindingKinds.InputNotExamined, "Evidence options were out of range; the defaults were used.", "unknown"));
            options = EvidenceOptions.Default;
        }

        if (bytes.Length > options.MaxInputBytes)
        {
            findings.Add(Neutral(FindingKinds.InputNotExamined, $"The file ({bytes.Length} bytes) is over the {options.MaxInputBytes}-byte cap; it was not examined.", "unknown"));
            return new EvidenceReport("unknown", findings, timings, Stopwatch.GetElapsedTime(started));
        }

        // Stage 1: walk the container once; extractors share the result.
        long stageStart = Stopwatch.GetTimestamp();
        ContainerScan scan;
        ExtractorOutcome containerOutcome = ExtractorOutcome.Completed;
        try
        {
            scan = ContainerWalker.Walk(bytes.Span, options.MaxContainerChunks, new WorkBudget(options.ExtractorTimeout));
        }
        catch (Exception ex) when (!strict || ex is WorkBudgetExceededException)
        {
            containerOutcome = ex is WorkBudgetExceededException ? ExtractorOutcome.BudgetExceeded : ExtractorOutcome.Failed;
            scan = new ContainerScan(ContainerSniffer.Sniff(bytes.Span));
            scan.AddIssue(FindingKinds.ExtractorFailed, FindingStrength.NeutralFact, $"The container walk stopped ({Describe(ex)}); segment-based evidence is missing.", null, null);
        }

        string container = scan.Name;
        findings.AddRange(scan.Issues);
        timings.Add(new ExtractorTiming(ContainerStage, Stopwatch.GetElapsedTime(stageStart), containerOutcome, scan.Issues.Count));

        if (bytes.Length == 0)
        {
            findings.Add(Neutral(FindingKinds.InputNotExamined, "The file is empty.", container));
        }

        if (pixels is not null && !pixels.IsConsistent)
        {
            findings.Add(Neutral(FindingKinds.InputNotExamined, $"The decoded pixels given ({pixels.Width}x{pixels.Height}, {pixels.Rgb.Length} bytes) are not width x height x 3 RGB bytes; pixel-based checks were skipped.", container));
            pixels = null;
        }

        AnalysisContext context = new(bytes, scan, pixels, options);
        foreach (IEvidenceExtractor extractor in ByteExtractors)
        {
            Run(extractor, context, findings, timings, strict);
        }

        RunIf(options.EnableWatermark && pixels is not null, WatermarkExtractor, context, findings, timings, strict);
        RunIf(options.EnablePdqHash && pixels is not null, PdqExtractor, context, findings, timings, strict);
        return new EvidenceReport(container, findings, timings, Stopwatch.GetElapsedTime(started));
    }

    private static void RunIf(bool condition, IEvidenceExtractor extractor, AnalysisContext context, List<Finding> findings, List<ExtractorTiming> timings, bool strict)
    {
        if (condition)
        {
            Run(extractor, context, findings, timings, strict);
        }
        else
        {
            timings.Add(new ExtractorTiming(extractor.Name, TimeSpan.Zero, ExtractorOutcome.Skipped, 0));
        }
    }

    private static void Run(IEvidenceExtractor extractor, AnalysisContext context, List<Finding> findings, List<ExtractorTiming> timings, bool strict)
    {
        long start = Stopwatch.GetTimestamp();
        FindingSink sink = new(context.Options.MaxFindingsPerExtractor, context.Options.MaxValueLength);
        ExtractorOutcome outcome = ExtractorOutcome.Completed;
        string? failure = null;
        try
        {
            extractor.Extract(context, sink, new WorkBudget(context.Options.ExtractorTimeout));
        }
        catch (WorkBudgetExceededException)
        {
            outcome = ExtractorOutcome.BudgetExceeded;
            failure = $"Extractor '{extractor.Name}' stopped at its time budget ({context.Options.ExtractorTimeout.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms); findings made before that are kept.";
        }
        catch (Exception ex) when (!strict)
        {
            outcome = ExtractorOutcome.Failed;
            failure = $"Extractor '{extractor.Name}' failed ({ex.GetType().Name}); its evidence is missing and nothing follows from that.";
        }

        List<Finding> produced;
        try
        {
            produced = sink.Drain(context.Container);
        }
        catch (Exception)
        {
            produced = [];
        }

        if (failure is not null)
        {
            produced.Add(new Finding(FindingKinds.ExtractorFailed, FindingStrength.NeutralFact, failure, [new FindingValue("extractor", extractor.Name), new FindingValue("outcome", outcome.ToString())], FindingLocation.File(context.Container)));
        }

        findings.AddRange(produced);
        timings.Add(new ExtractorTiming(extractor.Name, Stopwatch.GetElapsedTime(start), outcome, produced.Count));
    }

    private static Finding Neutral(string kind, string summary, string container) => new(kind, FindingStrength.NeutralFact, summary, [], FindingLocation.File(container));

    private static string Describe(Exception ex) => ex is WorkBudgetExceededException ? "time budget exceeded" : ex.GetType().Name;
}
