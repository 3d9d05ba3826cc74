using System.Globalization;
using System.Text;

namespace Detector.Evaluation.Reporting;

/// <summary>Renders an <see cref="EvaluationReport"/> as <c>report.md</c>: something an analyst can read and file.</summary>
public static class MarkdownReport
{
    /// <summary>Renders the report; <paramref name="plotFiles"/> are linked, <paramref name="plotError"/> says why plots are missing.</summary>
    public static string Render(EvaluationReport report, IReadOnlyList<string>? plotFiles = null, string? plotError = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        string targetPct = Pct(report.Settings.TargetFpr);

        md.AppendLine("# Detector evaluation report").AppendLine();
        md.AppendLine(Inv($"- Date (UTC): {report.CreatedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss}"));
        md.AppendLine($"- Command line: `{report.CommandLine.Replace("`", "'", StringComparison.Ordinal)}`");
        if (report.Server is not null)
        {
            md.AppendLine($"- Server: {Cell(report.Server)}");
        }

        md.AppendLine($"- Data set: {Cell(report.DataSet.Source)} ({report.DataSet.Kind}, groups: {(report.DataSet.GroupBy == "none" ? "none" : report.DataSet.Kind == "folder" ? "file-name prefix" : "CSV group column")})");
        md.AppendLine(Inv($"- Target FPR: {targetPct}; AUC interval: {report.Settings.ConfidenceLevel:0.##%} percentile bootstrap, {report.Settings.BootstrapResamples} stratified resamples, seed {report.Settings.BootstrapSeed}"));
        md.AppendLine("- Positive class: fake (AI-generated). A false positive is a real photo flagged as AI-generated.").AppendLine();

        if (report.Warnings.Count > 0)
        {
            md.AppendLine("## Warnings").AppendLine();
            foreach (string warning in report.Warnings)
            {
                md.AppendLine($"- **Warning:** {warning}");
            }

            md.AppendLine();
        }

        AppendDataSet(md, report);
        AppendSummary(md, report);
        foreach (ModelEvaluation model in report.Models)
        {
            AppendModel(md, model, targetPct);
        }

        if (plotFiles is { Count: > 0 } || plotError is not null)
        {
            md.AppendLine("## Plots").AppendLine();
            foreach (string file in plotFiles ?? [])
            {
                md.AppendLine($"![{Path.GetFileNameWithoutExtension(file)}]({file})").AppendLine();
            }

            if (plotError is not null)
            {
                md.AppendLine($"**Warning:** plots could not be drawn ({Cell(plotError)}).").AppendLine();
            }
        }

        AppendUnreadable(md, report);
        AppendDefinitions(md);
        return md.ToString();
    }

    private static void AppendDataSet(StringBuilder md, EvaluationReport report)
    {
        DataSetSummary data = report.DataSet;
        md.AppendLine("## Data set").AppendLine();
        md.AppendLine("| | real | fake | total |");
        md.AppendLine("|---|---:|---:|---:|");
        md.AppendLine(Inv($"| listed | {data.Real} | {data.Fake} | {data.Items} |"));
        md.AppendLine(Inv($"| not scored (rejected or unreadable when scoring) | {data.Real - data.ScoredReal} | {data.Fake - data.ScoredFake} | {data.NotScored} |"));
        md.AppendLine(Inv($"| **scored** | **{data.ScoredReal}** | **{data.ScoredFake}** | **{data.Scored}** |"));
        foreach (GroupCount group in data.Groups)
        {
            md.AppendLine(Inv($"| scored in group {Cell(group.Name)} | {group.ScoredReal} | {group.ScoredFake} | {group.ScoredReal + group.ScoredFake} |"));
        }

        md.AppendLine();
        md.AppendLine(Inv($"Metrics and sample-size warnings count scored images only. Skipped when loading (missing or empty files, bad CSV rows; not listed above): {data.SkippedWhenLoading}. Unreadable or rejected files in all: {data.Unreadable} (left out of every metric; see Unreadable files)."));
        md.AppendLine();
    }

    private static void AppendSummary(StringBuilder md, EvaluationReport report)
    {
        md.AppendLine("## Summary").AppendLine();
        if (report.Models.Count == 0)
        {
            md.AppendLine("No model returned scores.").AppendLine();
            return;
        }

        md.AppendLine("| model | version | threshold | n | AUC | AUC 95% CI | AP | accuracy | precision | recall | F1 | FPR | TPR@FPR 1% | TPR@FPR 5% | ECE |");
        md.AppendLine("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (ModelEvaluation model in report.Models)
        {
            MetricSet o = model.Overall;
            md.AppendLine(Inv($"| {Cell(model.Name)} | {Cell(model.Version)} | {Num(model.Threshold)} | {o.Count} | {Num(o.Auc)} | {Interval(model.AucInterval)} | {Num(o.AveragePrecision)} | {Num(o.Accuracy)} | {Num(o.Precision)} | {Num(o.Recall)} | {Num(o.F1)} | {Num(o.Fpr)} | {Num(o.TprAtFpr1Pct)} | {Num(o.TprAtFpr5Pct)} | {Num(o.Ece)} |"));
        }

        md.AppendLine();
    }

    private static void AppendModel(StringBuilder md, ModelEvaluation model, string targetPct)
    {
        MetricSet o = model.Overall;
        md.AppendLine($"## Model `{model.Name}`").AppendLine();
        md.AppendLine(Inv($"Version {Cell(model.Version)}, task {Cell(model.Task)}, scored {o.Count} images ({o.Real} real, {o.Fake} fake)."));
        md.AppendLine();
        md.AppendLine(Inv($"### At the model's threshold {Num(model.Threshold)}")).AppendLine();
        md.AppendLine("| | predicted real | predicted fake |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(Inv($"| **real** | {o.Confusion.TrueNegatives} (TN) | {o.Confusion.FalsePositives} (FP) |"));
        md.AppendLine(Inv($"| **fake** | {o.Confusion.FalseNegatives} (FN) | {o.Confusion.TruePositives} (TP) |"));
        md.AppendLine();
        md.AppendLine("| metric | value |");
        md.AppendLine("|---|---:|");
        md.AppendLine($"| accuracy | {Num(o.Accuracy)} |");
        md.AppendLine($"| precision | {Num(o.Precision)} |");
        md.AppendLine($"| recall (TPR) | {Num(o.Recall)} |");
        md.AppendLine($"| F1 | {Num(o.F1)} |");
        md.AppendLine($"| FPR | {Num(o.Fpr)} |");
        md.AppendLine($"| ROC AUC | {Num(o.Auc)} |");
        md.AppendLine($"| AUC 95% CI | {Interval(model.AucInterval)} |");
        md.AppendLine($"| average precision | {Num(o.AveragePrecision)} |");
        md.AppendLine($"| TPR at FPR ≤ 1% | {Num(o.TprAtFpr1Pct)} |");
        md.AppendLine($"| TPR at FPR ≤ 5% | {Num(o.TprAtFpr5Pct)} |");
        md.AppendLine($"| ECE | {Num(o.Ece)} |");
        md.AppendLine();

        md.AppendLine($"### Threshold for FPR ≤ {targetPct}").AppendLine();
        ThresholdEntry? t = model.ThresholdAtTargetFpr;
        if (t is null)
        {
            md.AppendLine("Not available: there are no real images to measure false positives on.").AppendLine();
        }
        else
        {
            md.AppendLine("| threshold | FPR achieved | false positives | TPR achieved | true positives |");
            md.AppendLine("|---:|---:|---:|---:|---:|");
            md.AppendLine(Inv($"| {ScoreText.Format(t.Threshold)} | {Num(t.Fpr)} | {t.FalsePositives} of {t.Real} real | {Num(t.Tpr)} | {t.TruePositives} of {t.Fake} fake |"));
            md.AppendLine();
            if (t.AboveAllScores)
            {
                md.AppendLine("The highest-scoring real image already exceeds the target, so this threshold lies just above every score: the model would flag nothing.").AppendLine();
            }
        }

        if (model.Groups.Count > 0)
        {
            md.AppendLine("### By group").AppendLine();
            md.AppendLine("| group | real | fake | AUC | AP | accuracy | precision | recall | F1 | FPR | TPR@FPR 1% | ECE | TP | FP | TN | FN |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (MetricSet g in model.Groups)
            {
                md.AppendLine(Inv($"| {Cell(g.Group ?? "")} | {g.Real} | {g.Fake} | {Num(g.Auc)} | {Num(g.AveragePrecision)} | {Num(g.Accuracy)} | {Num(g.Precision)} | {Num(g.Recall)} | {Num(g.F1)} | {Num(g.Fpr)} | {Num(g.TprAtFpr1Pct)} | {Num(g.Ece)} | {g.Confusion.TruePositives} | {g.Confusion.FalsePositives} | {g.Confusion.TrueNegatives} | {g.Confusion.FalseNegatives} |"));
            }

            md.AppendLine().AppendLine("AUC, AP and TPR at FPR are shown only where a group has both classes (AP: where it has fakes); n/a otherwise.").AppendLine();
        }
    }

    private static void AppendUnreadable(StringBuilder md, EvaluationReport report)
    {
        md.AppendLine("## Unreadable files").AppendLine();
        if (report.Unreadable.Count == 0)
        {
            md.AppendLine("None.").AppendLine();
            return;
        }

        md.AppendLine("| file | reason |");
        md.AppendLine("|---|---|");
        foreach (UnreadableEntry entry in report.Unreadable)
        {
            md.AppendLine($"| {Cell(entry.Path)} | {Cell(entry.Reason)} |");
        }

        md.AppendLine();
    }

    private static void AppendDefinitions(StringBuilder md)
    {
        md.AppendLine("## Definitions").AppendLine();
        md.AppendLine("- Positive means the model flags the image as AI-generated: `score >= threshold`.");
        md.AppendLine("- ROC AUC: probability that a random fake outscores a random real image, ties counting one half (equals the trapezoid area under the ROC).");
        md.AppendLine("- AP (average precision): Σ (Rₙ − Rₙ₋₁)·Pₙ over the distinct scores, highest first, as scikit-learn computes it.");
        md.AppendLine("- TPR at FPR ≤ x: the largest TPR among the ROC points whose FPR ≤ x (no interpolation, so a threshold on this data achieves it).");
        md.AppendLine("- Threshold for the target FPR: the smallest threshold whose FPR on this data is ≤ the target; tied scores are flagged together.");
        md.AppendLine("- ECE: 10 equal-width score bins; Σ (nᵦ/n)·|fraction fake − mean score| over the bins.");
        md.AppendLine("- AUC interval: percentile bootstrap; real and fake images are resampled separately (stratified), with a fixed seed.");
    }

    private static string Num(double? value) => value is double v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";

    private static string Pct(double value) => (value * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string Interval(IntervalEntry? ci) => ci is null ? "n/a" : $"[{Num(ci.Lower)}, {Num(ci.Upper)}]";

    /// <summary>Escapes text for a table cell: a '|' would end the cell, a newline the row.</summary>
    private static string Cell(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("\r", " ", StringComparison.Ordinal)
            .Replace("\n", " ", StringComparison.Ordinal);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
