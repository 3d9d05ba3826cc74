using System.Globalization;
using Detector.Engine.Models;

namespace Detector.Engine.Scoring;

/// <summary>
/// Summarises classifier scores for a reader. Scores are probabilities, not proof, and a low score is never
/// called authentic: absence of a signal is not evidence of a real photograph.
/// </summary>
public static class VerdictBuilder
{
    public static ScoreVerdict Build(IReadOnlyList<ModelScoreResult> scores)
    {
        float synthetic = MaxScore(scores, ModelTask.Synthetic);
        float manipulation = MaxScore(scores, ModelTask.Manipulation);
        List<ModelScoreResult> detectors = scores.Where(s => s.Task != ModelTask.Auxiliary).OrderByDescending(s => s.Positive).ThenByDescending(s => s.Score).ToList();
        List<string> reasons = detectors.Select(Describe).ToList();
        ModelScoreResult? top = detectors.FirstOrDefault(s => s.Positive);
        string label = top switch
        {
            null when detectors.Count == 0 => "No detector ran",
            null => "No evidence found",
            { Task: ModelTask.Synthetic } => $"Likely AI-generated: model {top.Model} scored {Format(top.Score)}",
            _ => $"Likely manipulated: model {top.Model} scored {Format(top.Score)}",
        };
        return new ScoreVerdict(synthetic, manipulation, label, reasons);
    }

    private static float MaxScore(IReadOnlyList<ModelScoreResult> scores, ModelTask task)
    {
        float max = 0f;
        foreach (ModelScoreResult s in scores)
        {
            if (s.Task == task && s.Score > max)
            {
                max = s.Score;
            }
        }

        return max;
    }

    private static string Describe(ModelScoreResult s) =>
        $"model {s.Model} {s.Version} ({s.Task.ToWireName()}) scored {Format(s.Score)} against threshold {Format(s.Threshold)}: {(s.Positive ? "above" : "below")}";

    private static string Format(float v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
