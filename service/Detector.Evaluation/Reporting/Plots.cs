using Detector.Evaluation.Metrics;
using ScottPlot;

namespace Detector.Evaluation.Reporting;

/// <summary>ROC curves and reliability diagrams as PNG files, drawn with ScottPlot 5 (SkiaSharp).</summary>
public static class Plots
{
    private const int Width = 900;
    private const int Height = 700;

    /// <summary>ROC curves of every model on one chart; <paramref name="maxFpr"/> below 1 zooms into the low-FPR region.</summary>
    public static void WriteRoc(string path, IReadOnlyList<ModelSamples> models, double maxFpr = 1.0)
    {
        ArgumentNullException.ThrowIfNull(models);
        var plot = new Plot();
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dashed;
        chance.LineColor = Colors.Gray;
        chance.LegendText = "chance";

        foreach (ModelSamples model in models)
        {
            RocCurve? roc = BinaryMetrics.Roc(model.Scores(), model.Labels());
            if (roc is null)
            {
                continue;
            }

            double? auc = BinaryMetrics.RocAuc(model.Scores(), model.Labels());
            var line = plot.Add.ScatterLine(roc.FalsePositiveRates, roc.TruePositiveRates);
            line.LineWidth = 2;
            line.LegendText = auc is double a ? $"{model.Model} (AUC {a:0.000})" : model.Model;
        }

        foreach (double fpr in new[] { 0.01, 0.05 })
        {
            if (fpr < maxFpr)
            {
                var marker = plot.Add.VerticalLine(fpr);
                marker.LinePattern = LinePattern.Dotted;
                marker.LineColor = Colors.Black.WithAlpha(0.5);
                marker.LineWidth = 1;
            }
        }

        plot.Title(maxFpr < 1 ? $"ROC, FPR 0–{maxFpr:0.##%}" : "ROC");
        plot.XLabel("False positive rate (real flagged as AI)");
        plot.YLabel("True positive rate (AI detected)");
        plot.Axes.SetLimits(0, maxFpr, 0, 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Reliability diagram: fraction fake against mean score per bin, one line per model, with the diagonal of perfect calibration.</summary>
    public static void WriteReliability(string path, IReadOnlyList<ModelSamples> models, int bins = 10)
    {
        ArgumentNullException.ThrowIfNull(models);
        var plot = new Plot();
        var ideal = plot.Add.Line(0, 0, 1, 1);
        ideal.LinePattern = LinePattern.Dashed;
        ideal.LineColor = Colors.Gray;
        ideal.LegendText = "perfect calibration";

        foreach (ModelSamples model in models)
        {
            ReliabilityBin[] table = BinaryMetrics.Reliability(model.Scores(), model.Labels(), bins);
            double[] xs = table.Where(static b => b.Count > 0).Select(static b => b.MeanScore).ToArray();
            double[] ys = table.Where(static b => b.Count > 0).Select(static b => b.FractionPositive).ToArray();
            if (xs.Length == 0)
            {
                continue;
            }

            double? ece = BinaryMetrics.ExpectedCalibrationError(model.Scores(), model.Labels(), bins);
            var line = plot.Add.Scatter(xs, ys);
            line.LineWidth = 2;
            line.MarkerSize = 8;
            line.LegendText = ece is double e ? $"{model.Model} (ECE {e:0.000})" : model.Model;
        }

        plot.Title($"Reliability ({bins} equal-width bins)");
        plot.XLabel("Mean score in bin");
        plot.YLabel("Fraction fake in bin");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }
}
