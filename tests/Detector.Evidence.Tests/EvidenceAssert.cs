using Detector.Evidence.Model;

namespace Detector.Evidence.Tests;

/// <summary>Helpers to find and check findings.</summary>
internal static class EvidenceAssert
{
    public static EvidenceReport Analyze(byte[] bytes, EvidencePixels? pixels = null, EvidenceOptions? options = null)
        => EvidenceAnalyzer.Analyze(bytes, pixels, options);

    public static Finding Single(EvidenceReport report, string kind)
    {
        List<Finding> matches = [.. report.Findings.Where(f => f.Kind == kind)];
        Assert.True(matches.Count == 1, $"Expected one '{kind}' finding, found {matches.Count}:\n{Dump(report)}");
        return matches[0];
    }

    public static Finding Any(EvidenceReport report, string kind, Func<Finding, bool>? predicate = null)
    {
        Finding? match = report.Findings.FirstOrDefault(f => f.Kind == kind && (predicate?.Invoke(f) ?? true));
        Assert.True(match is not null, $"Expected a '{kind}' finding:\n{Dump(report)}");
        return match!;
    }

    public static void None(EvidenceReport report, string kind)
        => Assert.False(report.Findings.Any(f => f.Kind == kind), $"Expected no '{kind}' finding:\n{Dump(report)}");

    public static void NoneWithStrength(EvidenceReport report, FindingStrength strength)
        => Assert.False(report.Findings.Any(f => f.Strength == strength), $"Expected no {strength} finding:\n{Dump(report)}");

    public static void AllExtractorsCompleted(EvidenceReport report)
    {
        Assert.All(report.Timings, t => Assert.True(t.Outcome is ExtractorOutcome.Completed or ExtractorOutcome.Skipped, $"{t.Extractor}: {t.Outcome}\n{Dump(report)}"));
        None(report, FindingKinds.ExtractorFailed);
    }

    public static string Dump(EvidenceReport report)
        => string.Join("\n", report.Findings.Select(f => $"  [{f.Strength}] {f.Kind} @ {f.Location.Segment}:{f.Location.Offset} — {f.Summary} {{{string.Join(", ", f.Values.Select(v => v.Key + "=" + (v.Value.Length > 60 ? v.Value[..60] + "…" : v.Value)))}}}"));
}
