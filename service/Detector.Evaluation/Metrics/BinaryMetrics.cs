namespace Detector.Evaluation.Metrics;

/// <summary>
/// Metrics of a binary detector. Labels: true = fake (the positive class). Scores: P(fake), higher is more likely fake.
/// Ties are handled as sklearn does: equal scores form one threshold step, never split.
/// </summary>
public static class BinaryMetrics
{
    /// <summary>Confusion matrix at <paramref name="threshold"/>, with <c>positive = score &gt;= threshold</c> as the service decides.</summary>
    public static ConfusionMatrix Confusion(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double threshold)
    {
        CheckInputs(scores, labels);
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool flagged = scores[i] >= threshold;
            if (labels[i])
            {
                if (flagged)
                {
                    tp++;
                }
                else
                {
                    fn++;
                }
            }
            else if (flagged)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }

        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    /// <summary>
    /// ROC AUC as the Mann–Whitney statistic: the probability that a random positive outscores a random negative,
    /// a tie counting one half. Equals the trapezoid area under <see cref="Roc"/>. Null unless both classes are present.
    /// </summary>
    public static double? RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        CheckInputs(scores, labels);
        double[] sorted = scores.ToArray();
        bool[] sortedLabels = labels.ToArray();
        return AucInPlace(sorted, sortedLabels);
    }

    /// <summary>ROC points at every distinct score (see <see cref="RocCurve"/>); null unless both classes are present.</summary>
    public static RocCurve? Roc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        CheckInputs(scores, labels);
        (double[] sorted, bool[] sortedLabels) = SortDescending(scores, labels);
        (int positives, int negatives) = CountClasses(labels);
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        var thresholds = new List<double> { double.PositiveInfinity };
        int tp = 0, fp = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sortedLabels[i])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            // One point per distinct score: the whole tie group crosses the threshold together.
            if (i + 1 == sorted.Length || sorted[i + 1] != sorted[i])
            {
                fpr.Add((double)fp / negatives);
                tpr.Add((double)tp / positives);
                thresholds.Add(sorted[i]);
            }
        }

        return new RocCurve([.. fpr], [.. tpr], [.. thresholds]);
    }

    /// <summary>Area under a ROC curve by the trapezoid rule.</summary>
    public static double TrapezoidArea(RocCurve roc)
    {
        ArgumentNullException.ThrowIfNull(roc);
        double area = 0;
        for (int i = 1; i < roc.FalsePositiveRates.Length; i++)
        {
            area += (roc.FalsePositiveRates[i] - roc.FalsePositiveRates[i - 1]) * (roc.TruePositiveRates[i] + roc.TruePositiveRates[i - 1]) / 2;
        }

        return area;
    }

    /// <summary>
    /// Average precision as sklearn's <c>average_precision_score</c>: Σ (R_n − R_{n−1}) · P_n over the distinct scores,
    /// highest first, with R_0 = 0 (a step function, no interpolation). Null without positives.
    /// </summary>
    public static double? AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        CheckInputs(scores, labels);
        (int positives, _) = CountClasses(labels);
        if (positives == 0)
        {
            return null;
        }

        (double[] sorted, bool[] sortedLabels) = SortDescending(scores, labels);
        double ap = 0, previousRecall = 0;
        int tp = 0, fp = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sortedLabels[i])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            if (i + 1 == sorted.Length || sorted[i + 1] != sorted[i])
            {
                double recall = (double)tp / positives;
                double precision = (double)tp / (tp + fp);
                ap += (recall - previousRecall) * precision;
                previousRecall = recall;
            }
        }

        return ap;
    }

    /// <summary>
    /// TPR at a false-positive rate, read off the ROC without interpolation: the largest TPR among the points whose FPR ≤ target,
    /// so an operating point that a real threshold achieves on this data. Null when <paramref name="roc"/> is null.
    /// </summary>
    public static double? TprAtFpr(RocCurve? roc, double targetFpr)
    {
        if (roc is null)
        {
            return null;
        }

        double best = 0;
        for (int i = 0; i < roc.FalsePositiveRates.Length; i++)
        {
            if (roc.FalsePositiveRates[i] <= targetFpr + RateTolerance && roc.TruePositiveRates[i] > best)
            {
                best = roc.TruePositiveRates[i];
            }
        }

        return best;
    }

    /// <summary>
    /// The smallest threshold whose FPR ≤ <paramref name="targetFpr"/> on this data, and the FPR/TPR it achieves.
    /// Candidates are the distinct scores: a group of tied scores is flagged whole or not at all, so ties can make the achieved FPR
    /// well below the target. When the highest score alone already exceeds the target (a negative tied at the top), the threshold
    /// is the next float above it and nothing is flagged. Null without negatives.
    /// </summary>
    public static ThresholdChoice? ThresholdForTargetFpr(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double targetFpr)
    {
        CheckInputs(scores, labels);
        if (double.IsNaN(targetFpr) || targetFpr < 0 || targetFpr > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(targetFpr), targetFpr, "The target FPR must be in [0, 1].");
        }

        (int positives, int negatives) = CountClasses(labels);
        if (negatives == 0)
        {
            return null;
        }

        (double[] sorted, bool[] sortedLabels) = SortDescending(scores, labels);

        // Integer comparison so that, say, 3 of 300 counts as exactly 1%.
        int allowedFp = (int)Math.Floor((targetFpr * negatives) + RateTolerance);
        int tp = 0, fp = 0;
        int bestIndex = -1, bestTp = 0, bestFp = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sortedLabels[i])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            bool endOfTieGroup = i + 1 == sorted.Length || sorted[i + 1] != sorted[i];
            if (!endOfTieGroup)
            {
                continue;
            }

            if (fp > allowedFp)
            {
                break;
            }

            bestIndex = i;
            bestTp = tp;
            bestFp = fp;
        }

        double? Tpr(int truePositives) => positives == 0 ? null : (double)truePositives / positives;

        if (bestIndex < 0)
        {
            return new ThresholdChoice(targetFpr, NextAbove(sorted[0]), 0, Tpr(0), 0, negatives, 0, positives, AboveAllScores: true);
        }

        return new ThresholdChoice(targetFpr, sorted[bestIndex], (double)bestFp / negatives, Tpr(bestTp), bestFp, negatives, bestTp, positives, AboveAllScores: false);
    }

    /// <summary>
    /// Expected calibration error: scores fall in <paramref name="bins"/> equal-width bins of [0, 1] (the last one closed);
    /// ECE = Σ (n_b / n) · |acc_b − conf_b| with conf_b the mean score and acc_b the fraction of positives in bin b. Null when empty.
    /// </summary>
    public static double? ExpectedCalibrationError(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, int bins = 10)
    {
        ReliabilityBin[] table = Reliability(scores, labels, bins);
        if (scores.Length == 0)
        {
            return null;
        }

        double ece = 0;
        foreach (ReliabilityBin bin in table)
        {
            if (bin.Count > 0)
            {
                ece += (double)bin.Count / scores.Length * Math.Abs(bin.FractionPositive - bin.MeanScore);
            }
        }

        return ece;
    }

    /// <summary>The reliability-diagram bins behind <see cref="ExpectedCalibrationError"/>; empty bins have Count 0.</summary>
    public static ReliabilityBin[] Reliability(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, int bins = 10)
    {
        CheckInputs(scores, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        int[] counts = new int[bins];
        double[] scoreSums = new double[bins];
        int[] positives = new int[bins];
        for (int i = 0; i < scores.Length; i++)
        {
            int b = BinOf(scores[i], bins);
            counts[b]++;
            scoreSums[b] += scores[i];
            if (labels[i])
            {
                positives[b]++;
            }
        }

        var table = new ReliabilityBin[bins];
        for (int b = 0; b < bins; b++)
        {
            double mean = counts[b] == 0 ? 0 : scoreSums[b] / counts[b];
            double fraction = counts[b] == 0 ? 0 : (double)positives[b] / counts[b];
            table[b] = new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, counts[b], mean, fraction);
        }

        return table;
    }

    /// <summary>
    /// Percentile bootstrap interval for the ROC AUC. Resampling is stratified (positives and negatives are each drawn with
    /// replacement to their own count) so that every resample has both classes; the same seed gives the same interval.
    /// Null unless both classes are present.
    /// </summary>
    public static ConfidenceInterval? BootstrapAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, int resamples = 1000, int seed = DefaultSeed, double level = 0.95)
    {
        CheckInputs(scores, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level must be in (0, 1).");
        }

        var positiveScores = new List<double>();
        var negativeScores = new List<double>();
        for (int i = 0; i < scores.Length; i++)
        {
            (labels[i] ? positiveScores : negativeScores).Add(scores[i]);
        }

        if (positiveScores.Count == 0 || negativeScores.Count == 0)
        {
            return null;
        }

        // System.Random with a seed is a fixed algorithm, so the interval is reproducible across runs and machines.
        var random = new Random(seed);
        int n = scores.Length;
        double[] sample = new double[n];
        bool[] sampleLabels = new bool[n];
        double[] aucs = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            int k = 0;
            for (int i = 0; i < positiveScores.Count; i++, k++)
            {
                sample[k] = positiveScores[random.Next(positiveScores.Count)];
                sampleLabels[k] = true;
            }

            for (int i = 0; i < negativeScores.Count; i++, k++)
            {
                sample[k] = negativeScores[random.Next(negativeScores.Count)];
                sampleLabels[k] = false;
            }

            aucs[r] = AucInPlace(sample, sampleLabels)!.Value;
        }

        Array.Sort(aucs);
        double alpha = (1 - level) / 2;
        return new ConfidenceInterval(Quantile(aucs, alpha), Quantile(aucs, 1 - alpha), level, resamples, seed);
    }

    /// <summary>Default bootstrap seed, written into every report so that an interval can be reproduced.</summary>
    public const int DefaultSeed = 20_240_601;

    /// <summary>Absorbs rounding in rate comparisons (k / n against a decimal target).</summary>
    private const double RateTolerance = 1e-9;

    /// <summary>
    /// The next representable value above <paramref name="score"/>. Scores arrive as float32 and the service compares in float32,
    /// so for a float-exact score the next float is used: the next double would round back down to the score itself.
    /// </summary>
    internal static double NextAbove(double score)
    {
        float asFloat = (float)score;
        return asFloat == score && float.IsFinite(asFloat) ? MathF.BitIncrement(asFloat) : Math.BitIncrement(score);
    }

    /// <summary>Linear interpolation between order statistics (numpy's default "linear" method) on a sorted array.</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    private static int BinOf(double score, int bins)
    {
        int b = (int)Math.Floor(score * bins);
        return Math.Clamp(b, 0, bins - 1);
    }

    /// <summary>Mann–Whitney AUC with mid-ranks for ties; sorts the arrays it is given.</summary>
    private static double? AucInPlace(double[] scores, bool[] labels)
    {
        Array.Sort(scores, labels);
        long positives = 0;
        double positiveRankSum = 0;
        int i = 0;
        while (i < scores.Length)
        {
            int j = i;
            while (j + 1 < scores.Length && scores[j + 1] == scores[i])
            {
                j++;
            }

            // Ranks i+1 .. j+1 (1-based) share their mean: a tie is worth half a win.
            double midRank = (i + j + 2) / 2.0;
            for (int k = i; k <= j; k++)
            {
                if (labels[k])
                {
                    positives++;
                    positiveRankSum += midRank;
                }
            }

            i = j + 1;
        }

        long negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        return (positiveRankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    private static (double[] Scores, bool[] Labels) SortDescending(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        double[] keys = new double[scores.Length];
        bool[] sortedLabels = labels.ToArray();
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = -scores[i];
        }

        // The order inside a tie group does not matter: every caller treats a tie group as one step.
        Array.Sort(keys, sortedLabels);
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = -keys[i];
        }

        return (keys, sortedLabels);
    }

    private static (int Positives, int Negatives) CountClasses(ReadOnlySpan<bool> labels)
    {
        int positives = 0;
        foreach (bool label in labels)
        {
            if (label)
            {
                positives++;
            }
        }

        return (positives, labels.Length - positives);
    }

    private static void CheckInputs(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"{scores.Length} scores but {labels.Length} labels.", nameof(labels));
        }

        foreach (double score in scores)
        {
            if (double.IsNaN(score))
            {
                throw new ArgumentException("A score is NaN; drop it before computing metrics.", nameof(scores));
            }
        }
    }
}
