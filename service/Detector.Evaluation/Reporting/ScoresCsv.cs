using System.Text;

namespace Detector.Evaluation.Reporting;

/// <summary>
/// Writes <c>scores.csv</c>: one row per image with its label, group and every model's score, so that any metric can be
/// recomputed elsewhere without rescoring.
/// </summary>
public static class ScoresCsv
{
    public static string Format(IReadOnlyList<ModelSamples> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var rows = new Dictionary<string, (ScoredSample Sample, double?[] Scores)>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int m = 0; m < models.Count; m++)
        {
            foreach (ScoredSample sample in models[m].Samples)
            {
                if (!rows.TryGetValue(sample.Path, out var row))
                {
                    row = (sample, new double?[models.Count]);
                    rows.Add(sample.Path, row);
                    order.Add(sample.Path);
                }

                row.Scores[m] = sample.Score;
            }
        }

        var text = new StringBuilder();
        text.Append("path,label,group");
        foreach (ModelSamples model in models)
        {
            text.Append(',').Append(Quote(model.Model));
        }

        text.Append('\n');
        foreach (string path in order)
        {
            (ScoredSample sample, double?[] scores) = rows[path];
            text.Append(Quote(path)).Append(',').Append(sample.IsFake ? "fake" : "real").Append(',').Append(Quote(sample.Group));
            foreach (double? score in scores)
            {
                text.Append(',');
                if (score is double s)
                {
                    text.Append(ScoreText.Format(s));
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
