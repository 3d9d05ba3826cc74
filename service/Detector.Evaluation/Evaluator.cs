using System.Globalization;
using Detector.Evaluation.Data;
using Detector.Evaluation.Metrics;
using Detector.Evaluation.Reporting;

namespace Detector.Evaluation;

/// <summary>What an evaluation is computed from: the data set, what each model scored, and what could not be scored.</summary>
public sealed class EvaluationInput
{
    public required DataSet DataSet { get; init; }

    public required IReadOnlyList<ModelSamples> Models { get; init; }

    /// <summary>Images the server rejected or that could not be read while scoring (added to the data set's own list).</summary>
    public IReadOnlyList<UnreadableItem> ScoringFailures { get; init; } = [];

    /// <summary>
    /// The data set's items the server accepted and scored (by any model): the sample sizes of the warnings and of the
    /// report's "scored" counts. Null: every item whose path is not among <see cref="ScoringFailures"/>.
    /// </summary>
    public IReadOnlyList<DataSetItem>? ScoredItems { get; init; }

    public string CommandLine { get; init; } = "";

    public string? Server { get; init; }

    public DateTimeOffset CreatedUtc { get; init; }
}

/// <summary>Turns scored samples into an <see cref="EvaluationReport"/>: overall and per-group metrics, intervals, thresholds, warnings.</summary>
public static class Evaluator
{
    /// <summary>A group with fewer images than this in a class is named in a warning.</summary>
    private const int SmallGroupBelow = 30;

    public static EvaluationReport Evaluate(EvaluationInput input, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        List<UnreadableEntry> unreadable = input.DataSet.Unreadable.Concat(input.ScoringFailures)
            .Select(static u => new UnreadableEntry { Path = u.Path, Reason = u.Reason })
            .ToList();

        DataSet data = input.DataSet;
        IReadOnlyList<DataSetItem> scored = input.ScoredItems ?? ScoredByDefault(data, input.ScoringFailures);
        int scoredFake = scored.Count(static i => i.IsFake);
        Dictionary<string, (int Real, int Fake)> scoredByGroup = scored.Where(static i => i.Group.Length > 0)
            .GroupBy(static i => i.Group, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => (g.Count(static i => !i.IsFake), g.Count(static i => i.IsFake)), StringComparer.Ordinal);
        var summary = new DataSetSummary
        {
            Source = data.Source,
            Kind = data.Kind == DataSetKind.Folder ? "folder" : "csv",
            GroupBy = data.GroupBy == GroupBy.None ? "none" : "prefix",
            Items = data.Items.Count,
            Real = data.RealCount,
            Fake = data.FakeCount,
            Scored = scored.Count,
            ScoredReal = scored.Count - scoredFake,
            ScoredFake = scoredFake,
            NotScored = data.Items.Count - scored.Count,
            SkippedWhenLoading = data.Unreadable.Count,
            Unreadable = unreadable.Count,
            Groups = data.Items.Where(static i => i.Group.Length > 0)
                .GroupBy(static i => i.Group, StringComparer.Ordinal)
                .OrderBy(static g => g.Key, StringComparer.Ordinal)
                .Select(g =>
                {
                    (int real, int fake) = scoredByGroup.GetValueOrDefault(g.Key);
                    return new GroupCount { Name = g.Key, Real = g.Count(static i => !i.IsFake), Fake = g.Count(static i => i.IsFake), ScoredReal = real, ScoredFake = fake };
                })
                .ToList(),
        };

        var models = input.Models.Select(m => EvaluateModel(m, options)).ToList();
        return new EvaluationReport
        {
            CreatedUtc = input.CreatedUtc,
            CommandLine = input.CommandLine,
            Server = input.Server,
            Settings = new ReportSettings
            {
                TargetFpr = options.TargetFpr,
                BootstrapResamples = options.BootstrapResamples,
                BootstrapSeed = options.BootstrapSeed,
                ConfidenceLevel = options.ConfidenceLevel,
                CalibrationBins = options.CalibrationBins,
            },
            DataSet = summary,
            Unreadable = unreadable,
            Models = models,
            Warnings = Warnings(summary, input.Models, options),
        };
    }

    /// <summary>Items whose display path is not among the scoring failures.</summary>
    private static List<DataSetItem> ScoredByDefault(DataSet data, IReadOnlyList<UnreadableItem> failures)
    {
        var failed = failures.Select(static f => f.Path).ToHashSet(StringComparer.Ordinal);
        return data.Items.Where(i => !failed.Contains(i.DisplayPath)).ToList();
    }

    /// <summary>Metrics of one model over all its samples, then per group.</summary>
    public static ModelEvaluation EvaluateModel(ModelSamples model, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        double[] scores = model.Scores();
        bool[] labels = model.Labels();
        ConfidenceInterval? interval = options.BootstrapResamples > 0
            ? BinaryMetrics.BootstrapAuc(scores, labels, options.BootstrapResamples, options.BootstrapSeed, options.ConfidenceLevel)
            : null;
        ThresholdChoice? choice = BinaryMetrics.ThresholdForTargetFpr(scores, labels, options.TargetFpr);

        var groups = model.Samples.Where(static s => s.Group.Length > 0)
            .GroupBy(static s => s.Group, StringComparer.Ordinal)
            .OrderBy(static g => g.Key, StringComparer.Ordinal)
            .Select(g => Compute(g.Key, g.Select(static s => s.Score).ToArray(), g.Select(static s => s.IsFake).ToArray(), model.Threshold, options))
            .ToList();

        return new ModelEvaluation
        {
            Name = model.Model,
            Version = model.Version,
            Task = model.Task,
            Threshold = model.Threshold,
            Overall = Compute(null, scores, labels, model.Threshold, options),
            AucInterval = interval is ConfidenceInterval ci
                ? new IntervalEntry { Lower = ci.Lower, Upper = ci.Upper, Level = ci.Level, Resamples = ci.Resamples, Seed = ci.Seed }
                : null,
            ThresholdAtTargetFpr = choice is null ? null : new ThresholdEntry
            {
                TargetFpr = choice.TargetFpr,
                Threshold = choice.Threshold,
                Fpr = choice.Fpr,
                Tpr = choice.Tpr,
                FalsePositives = choice.FalsePositives,
                Real = choice.Negatives,
                TruePositives = choice.TruePositives,
                Fake = choice.Positives,
                AboveAllScores = choice.AboveAllScores,
            },
            Groups = groups,
        };
    }

    private static MetricSet Compute(string? group, double[] scores, bool[] labels, double threshold, EvaluationOptions options)
    {
        ConfusionMatrix cm = BinaryMetrics.Confusion(scores, labels, threshold);
        RocCurve? roc = BinaryMetrics.Roc(scores, labels);
        return new MetricSet
        {
            Group = group,
            Count = cm.Total,
            Real = cm.Negatives,
            Fake = cm.Positives,
            Auc = BinaryMetrics.RocAuc(scores, labels),
            AveragePrecision = BinaryMetrics.AveragePrecision(scores, labels),
            Accuracy = cm.Accuracy,
            Precision = cm.Precision,
            Recall = cm.Recall,
            F1 = cm.F1,
            Fpr = cm.FalsePositiveRate,
            TprAtFpr1Pct = BinaryMetrics.TprAtFpr(roc, 0.01),
            TprAtFpr5Pct = BinaryMetrics.TprAtFpr(roc, 0.05),
            Ece = BinaryMetrics.ExpectedCalibrationError(scores, labels, options.CalibrationBins),
            Confusion = new ConfusionEntry
            {
                TruePositives = cm.TruePositives,
                FalsePositives = cm.FalsePositives,
                TrueNegatives = cm.TrueNegatives,
                FalseNegatives = cm.FalseNegatives,
            },
        };
    }

    /// <summary>Warnings on the sample sizes: counted over the images that were scored, not those merely listed.</summary>
    private static List<string> Warnings(DataSetSummary summary, IReadOnlyList<ModelSamples> models, EvaluationOptions options)
    {
        var warnings = new List<string>();
        CultureInfo inv = CultureInfo.InvariantCulture;
        foreach ((string name, int count) in new[] { ("real", summary.ScoredReal), ("fake", summary.ScoredFake) })
        {
            if (count == 0)
            {
                warnings.Add($"No {name} image was scored: AUC, average precision, TPR at FPR and the confidence interval cannot be computed.");
            }
            else if (count < options.FewSamplesWarningBelow)
            {
                // Worst-case half-width of a 95% interval on a proportion: 1.96 * sqrt(0.25 / n).
                double halfWidth = 1.96 * Math.Sqrt(0.25 / count) * 100;
                warnings.Add(string.Format(inv, "Only {0} {1} images were scored (fewer than {2}): rates measured on them are uncertain by up to ±{3:0} percentage points. Do not rely on these numbers alone.", count, name, options.FewSamplesWarningBelow, halfWidth));
            }
        }

        if (summary.ScoredReal > 0 && options.TargetFpr > 0)
        {
            double expectedFalsePositives = summary.ScoredReal * options.TargetFpr;
            if (expectedFalsePositives < 10)
            {
                int needed = (int)Math.Ceiling(10 / options.TargetFpr);
                int allowed = (int)Math.Floor(expectedFalsePositives + 1e-9);
                warnings.Add(string.Format(inv, "A target FPR of {0:0.##%} on {1} scored real images allows only {2} false {3}, so the chosen threshold is unstable; use at least {4} real images to set it.", options.TargetFpr, summary.ScoredReal, allowed, allowed == 1 ? "positive" : "positives", needed));
            }
        }

        // Groups are usually small; one line names those whose per-group rates rest on few scored images of a class.
        List<string> smallGroups = summary.Groups
            .Where(static g => (g.ScoredReal > 0 && g.ScoredReal < SmallGroupBelow) || (g.ScoredFake > 0 && g.ScoredFake < SmallGroupBelow))
            .Select(static g => $"{g.Name} ({g.ScoredReal} real, {g.ScoredFake} fake)")
            .ToList();
        if (smallGroups.Count > 0)
        {
            warnings.Add($"Groups with fewer than {SmallGroupBelow} scored images of a class, whose per-group numbers are rough: {string.Join(", ", smallGroups)}.");
        }

        if (summary.Unreadable > 0)
        {
            warnings.Add($"{summary.Unreadable} {(summary.Unreadable == 1 ? "file" : "files")} could not be scored and {(summary.Unreadable == 1 ? "is" : "are")} left out of every metric; see Unreadable files.");
        }

        foreach (ModelSamples model in models)
        {
            // A model may be missing from some results (it failed on them, or returned no score).
            if (model.Samples.Count < summary.Scored)
            {
                warnings.Add($"Model {model.Model} has scores for {model.Samples.Count} of the {summary.Scored} images the server accepted.");
            }
        }

        return warnings;
    }
}
