using System.Text;

namespace Detector.Evaluation.Reporting;

/// <summary>Writes every output of an evaluation into one folder.</summary>
public static class ReportWriter
{
    public const string JsonFile = "report.json";
    public const string MarkdownFile = "report.md";
    public const string ScoresFile = "scores.csv";
    public const string RocFile = "roc.png";
    public const string RocLowFprFile = "roc-low-fpr.png";
    public const string ReliabilityFile = "reliability.png";

    /// <summary>Writes report.json, report.md, scores.csv and the PNG plots; returns the full paths written.</summary>
    public static IReadOnlyList<string> WriteAll(string outDir, EvaluationReport report, IReadOnlyList<ModelSamples> models)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(models);
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

        var plots = new List<string>();
        string? plotError = null;
        if (models.Count > 0)
        {
            try
            {
                Plots.WriteRoc(Path.Combine(outDir, RocFile), models);
                plots.Add(RocFile);

                // The operating region that matters for triage is FPR ≤ 10%; the full curve hides it in one corner.
                Plots.WriteRoc(Path.Combine(outDir, RocLowFprFile), models, maxFpr: 0.1);
                plots.Add(RocLowFprFile);
                Plots.WriteReliability(Path.Combine(outDir, ReliabilityFile), models, report.Settings.CalibrationBins);
                plots.Add(ReliabilityFile);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Drawing needs SkiaSharp's native library and fonts; without them the numbers still matter more than the pictures.
                plotError = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        File.WriteAllText(Path.Combine(outDir, JsonFile), ReportJson.Serialize(report), utf8);
        File.WriteAllText(Path.Combine(outDir, MarkdownFile), MarkdownReport.Render(report, plots, plotError), utf8);
        File.WriteAllText(Path.Combine(outDir, ScoresFile), ScoresCsv.Format(models), utf8);
        written.AddRange([JsonFile, MarkdownFile, ScoresFile, .. plots]);
        return written.Select(f => Path.Combine(outDir, f)).ToList();
    }
}
