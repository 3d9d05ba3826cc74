using System.Text.Json.Serialization;

namespace Detector.Evaluation.Reporting;

// The JSON field names are part of the tool's output contract: they are fixed by attributes, not by C# names.

/// <summary>The whole evaluation, as written to <c>report.json</c> and rendered to <c>report.md</c>.</summary>
public sealed class EvaluationReport
{
    /// <summary>Bumped when a field changes meaning or is removed.</summary>
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    [JsonPropertyName("createdUtc")]
    public DateTimeOffset CreatedUtc { get; init; }

    [JsonPropertyName("commandLine")]
    public string CommandLine { get; init; } = "";

    [JsonPropertyName("server")]
    public string? Server { get; init; }

    [JsonPropertyName("settings")]
    public required ReportSettings Settings { get; init; }

    [JsonPropertyName("dataSet")]
    public required DataSetSummary DataSet { get; init; }

    [JsonPropertyName("unreadable")]
    public required IReadOnlyList<UnreadableEntry> Unreadable { get; init; }

    [JsonPropertyName("models")]
    public required IReadOnlyList<ModelEvaluation> Models { get; init; }

    [JsonPropertyName("warnings")]
    public required IReadOnlyList<string> Warnings { get; init; }
}

public sealed class ReportSettings
{
    [JsonPropertyName("targetFpr")]
    public double TargetFpr { get; init; }

    [JsonPropertyName("bootstrapResamples")]
    public int BootstrapResamples { get; init; }

    [JsonPropertyName("bootstrapSeed")]
    public int BootstrapSeed { get; init; }

    [JsonPropertyName("confidenceLevel")]
    public double ConfidenceLevel { get; init; }

    [JsonPropertyName("calibrationBins")]
    public int CalibrationBins { get; init; }
}

public sealed class DataSetSummary
{
    [JsonPropertyName("source")]
    public string Source { get; init; } = "";

    /// <summary>"folder" or "csv".</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "";

    /// <summary>"prefix" or "none".</summary>
    [JsonPropertyName("groupBy")]
    public string GroupBy { get; init; } = "";

    /// <summary>Images listed and found (before scoring); entries skipped while loading are not among them.</summary>
    [JsonPropertyName("items")]
    public int Items { get; init; }

    /// <summary>Real images listed (before scoring).</summary>
    [JsonPropertyName("real")]
    public int Real { get; init; }

    /// <summary>Fake images listed (before scoring).</summary>
    [JsonPropertyName("fake")]
    public int Fake { get; init; }

    /// <summary>Listed images the server accepted and scored: what the metrics and the sample-size warnings rest on.</summary>
    [JsonPropertyName("scored")]
    public int Scored { get; init; }

    [JsonPropertyName("scoredReal")]
    public int ScoredReal { get; init; }

    [JsonPropertyName("scoredFake")]
    public int ScoredFake { get; init; }

    /// <summary>Listed images that were not scored: rejected by the server, or unreadable when scoring (items − scored).</summary>
    [JsonPropertyName("notScored")]
    public int NotScored { get; init; }

    /// <summary>Entries skipped while loading (missing or empty files, bad CSV rows); not among the listed images.</summary>
    [JsonPropertyName("skippedWhenLoading")]
    public int SkippedWhenLoading { get; init; }

    /// <summary>Entries that could not be scored: found unusable when loading, or rejected when scoring.</summary>
    [JsonPropertyName("unreadable")]
    public int Unreadable { get; init; }

    [JsonPropertyName("groups")]
    public IReadOnlyList<GroupCount> Groups { get; init; } = [];
}

public sealed class GroupCount
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Real images of the group listed (before scoring).</summary>
    [JsonPropertyName("real")]
    public int Real { get; init; }

    /// <summary>Fake images of the group listed (before scoring).</summary>
    [JsonPropertyName("fake")]
    public int Fake { get; init; }

    [JsonPropertyName("scoredReal")]
    public int ScoredReal { get; init; }

    [JsonPropertyName("scoredFake")]
    public int ScoredFake { get; init; }
}

public sealed class UnreadableEntry
{
    [JsonPropertyName("path")]
    public string Path { get; init; } = "";

    [JsonPropertyName("reason")]
    public string Reason { get; init; } = "";
}

public sealed class ModelEvaluation
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("version")]
    public string Version { get; init; } = "";

    [JsonPropertyName("task")]
    public string Task { get; init; } = "";

    /// <summary>The threshold the model ran at; the confusion matrix and accuracy use it.</summary>
    [JsonPropertyName("threshold")]
    public double Threshold { get; init; }

    [JsonPropertyName("overall")]
    public required MetricSet Overall { get; init; }

    /// <summary>Percentile bootstrap interval of the AUC; null unless both classes are present or when bootstrap is off.</summary>
    [JsonPropertyName("aucInterval")]
    public IntervalEntry? AucInterval { get; init; }

    /// <summary>The operating point for the target FPR on this data; null without real images.</summary>
    [JsonPropertyName("thresholdAtTargetFpr")]
    public ThresholdEntry? ThresholdAtTargetFpr { get; init; }

    [JsonPropertyName("groups")]
    public IReadOnlyList<MetricSet> Groups { get; init; } = [];
}

/// <summary>Metrics over a set of samples (all, or one group). Undefined values are null.</summary>
public sealed class MetricSet
{
    /// <summary>Group name; null for the whole data set.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; init; }

    [JsonPropertyName("count")]
    public int Count { get; init; }

    [JsonPropertyName("real")]
    public int Real { get; init; }

    [JsonPropertyName("fake")]
    public int Fake { get; init; }

    [JsonPropertyName("auc")]
    public double? Auc { get; init; }

    [JsonPropertyName("averagePrecision")]
    public double? AveragePrecision { get; init; }

    [JsonPropertyName("accuracy")]
    public double? Accuracy { get; init; }

    [JsonPropertyName("precision")]
    public double? Precision { get; init; }

    [JsonPropertyName("recall")]
    public double? Recall { get; init; }

    [JsonPropertyName("f1")]
    public double? F1 { get; init; }

    [JsonPropertyName("fpr")]
    public double? Fpr { get; init; }

    [JsonPropertyName("tprAtFpr1Pct")]
    public double? TprAtFpr1Pct { get; init; }

    [JsonPropertyName("tprAtFpr5Pct")]
    public double? TprAtFpr5Pct { get; init; }

    [JsonPropertyName("ece")]
    public double? Ece { get; init; }

    [JsonPropertyName("confusion")]
    public required ConfusionEntry Confusion { get; init; }
}

public sealed class ConfusionEntry
{
    [JsonPropertyName("tp")]
    public int TruePositives { get; init; }

    [JsonPropertyName("fp")]
    public int FalsePositives { get; init; }

    [JsonPropertyName("tn")]
    public int TrueNegatives { get; init; }

    [JsonPropertyName("fn")]
    public int FalseNegatives { get; init; }
}

public sealed class IntervalEntry
{
    [JsonPropertyName("lower")]
    public double Lower { get; init; }

    [JsonPropertyName("upper")]
    public double Upper { get; init; }

    [JsonPropertyName("level")]
    public double Level { get; init; }

    [JsonPropertyName("resamples")]
    public int Resamples { get; init; }

    [JsonPropertyName("seed")]
    public int Seed { get; init; }
}

public sealed class ThresholdEntry
{
    [JsonPropertyName("targetFpr")]
    public double TargetFpr { get; init; }

    [JsonPropertyName("threshold")]
    public double Threshold { get; init; }

    [JsonPropertyName("fpr")]
    public double Fpr { get; init; }

    [JsonPropertyName("tpr")]
    public double? Tpr { get; init; }

    [JsonPropertyName("falsePositives")]
    public int FalsePositives { get; init; }

    [JsonPropertyName("real")]
    public int Real { get; init; }

    [JsonPropertyName("truePositives")]
    public int TruePositives { get; init; }

    [JsonPropertyName("fake")]
    public int Fake { get; init; }

    /// <summary>True when the highest-scoring real image already exceeds the target, so nothing would be flagged.</summary>
    [JsonPropertyName("aboveAllScores")]
    public bool AboveAllScores { get; init; }
}
