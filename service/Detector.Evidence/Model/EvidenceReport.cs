namespace Detector.Evidence.Model;

/// <summary>How one extractor ended.</summary>
public enum ExtractorOutcome
{
    Completed = 0,
    Skipped = 1,
    Failed = 2,
    BudgetExceeded = 3,
}

/// <summary>Timing and outcome of one extractor run.</summary>
public sealed record ExtractorTiming(string Extractor, TimeSpan Elapsed, ExtractorOutcome Outcome, int FindingCount);

/// <summary>What the evidence layer found in one file.</summary>
/// <param name="Container">The container format detected ("JPEG", "PNG", "WebP", …, "unknown").</param>
/// <param name="Findings">All findings, grouped by extractor in run order.</param>
/// <param name="Timings">One entry per extractor (and the container scan), in run order.</param>
/// <param name="Elapsed">Total time of the analysis.</param>
public sealed record EvidenceReport(string Container, IReadOnlyList<Finding> Findings, IReadOnlyList<ExtractorTiming> Timings, TimeSpan Elapsed)
{
    /// <summary>The verdict from these findings and the classifiers' scores (see <see cref="Verdict.VerdictComposer"/>).</summary>
    public EvidenceVerdict ComposeVerdict(IReadOnlyList<ModelScore>? scores = null) => Verdict.VerdictComposer.Compose(Findings, scores);
}
