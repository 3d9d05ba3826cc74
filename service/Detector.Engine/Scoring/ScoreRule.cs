using Detector.Engine.Models;

namespace Detector.Engine.Scoring;

/// <summary>Applies a manifest's output rule to a model's raw values.</summary>
public static class ScoreRule
{
    /// <summary>P(positive) in [0,1] from the raw output of one image. Map outputs have no score (0).</summary>
    public static float Apply(OutputSpec output, ReadOnlySpan<float> raw)
    {
        if (output.Kind == OutputKind.Map || raw.IsEmpty)
        {
            return 0f;
        }

        int index = Math.Min(output.PositiveIndex, raw.Length - 1);
        double score = output.Kind switch
        {
            OutputKind.Probability => raw[index],
            // float32 subtraction, as the reference computes 1 - p_real on the float output.
            OutputKind.ProbabilityOfReal => 1f - raw[0],
            OutputKind.Logit => 1.0 / (1.0 + Math.Exp(-(double)raw[0])),
            OutputKind.Softmax => raw[index],
            OutputKind.LogitsSoftmax => Softmax(raw, index),
            _ => 0.0,
        };

        return double.IsNaN(score) ? 0f : (float)Math.Clamp(score, 0.0, 1.0);
    }

    private static double Softmax(ReadOnlySpan<float> logits, int index)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in logits)
        {
            sum += Math.Exp(v - max);
        }

        return Math.Exp(logits[index] - max) / sum;
    }
}
