namespace Detector.Evaluation.Metrics;

/// <summary>Counts at one threshold, with fake (AI-generated) as the positive class and <c>positive = score &gt;= threshold</c>.</summary>
public readonly record struct ConfusionMatrix(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    public int Total => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    public int Positives => TruePositives + FalseNegatives;

    public int Negatives => TrueNegatives + FalsePositives;

    /// <summary>(TP + TN) / total; null when empty.</summary>
    public double? Accuracy => Ratio(TruePositives + TrueNegatives, Total);

    /// <summary>TP / (TP + FP); null when nothing was called positive.</summary>
    public double? Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN), the true positive rate; null without positives.</summary>
    public double? Recall => Ratio(TruePositives, Positives);

    /// <summary>FP / (FP + TN); null without negatives.</summary>
    public double? FalsePositiveRate => Ratio(FalsePositives, Negatives);

    /// <summary>Harmonic mean of precision and recall; null when either is undefined, 0 when both are 0.</summary>
    public double? F1
    {
        get
        {
            if (Precision is not double p || Recall is not double r)
            {
                return null;
            }

            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    private static double? Ratio(int numerator, int denominator) => denominator == 0 ? null : (double)numerator / denominator;
}

/// <summary>
/// ROC points at every distinct score, highest first, as sklearn's <c>roc_curve(drop_intermediate=False)</c>:
/// the first point is (0, 0) at threshold +∞, the last is (1, 1) at the lowest score.
/// </summary>
public sealed record RocCurve(double[] FalsePositiveRates, double[] TruePositiveRates, double[] Thresholds);

/// <summary>The operating point chosen for a target false-positive rate.</summary>
/// <param name="TargetFpr">The requested maximum FPR.</param>
/// <param name="Threshold">Smallest threshold whose FPR ≤ target (<c>positive = score &gt;= threshold</c>).</param>
/// <param name="Fpr">The FPR achieved on this data.</param>
/// <param name="Tpr">The TPR achieved on this data; null without positives.</param>
/// <param name="FalsePositives">Negatives scoring at or above the threshold.</param>
/// <param name="Negatives">All negatives.</param>
/// <param name="TruePositives">Positives scoring at or above the threshold.</param>
/// <param name="Positives">All positives.</param>
/// <param name="AboveAllScores">True when even the highest score gives too many false positives, so the threshold is just above it and nothing is flagged.</param>
public sealed record ThresholdChoice(
    double TargetFpr,
    double Threshold,
    double Fpr,
    double? Tpr,
    int FalsePositives,
    int Negatives,
    int TruePositives,
    int Positives,
    bool AboveAllScores);

/// <summary>A percentile bootstrap interval.</summary>
public readonly record struct ConfidenceInterval(double Lower, double Upper, double Level, int Resamples, int Seed);

/// <summary>One bin of a reliability diagram: scores in [Lower, Upper) (the last bin includes 1).</summary>
public readonly record struct ReliabilityBin(double Lower, double Upper, int Count, double MeanScore, double FractionPositive);
