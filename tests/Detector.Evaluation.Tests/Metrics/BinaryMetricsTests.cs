using Detector.Evaluation.Metrics;

namespace Detector.Evaluation.Tests.Metrics;

public class BinaryMetricsTests
{
    private const double Eps = 1e-12;

    [Fact]
    public void RocAuc_NoTies_IsFractionOfCorrectlyOrderedPairs()
    {
        // Pairs (fake, real): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes → 3 of 4.
        double[] scores = [0.1, 0.4, 0.35, 0.8];
        bool[] labels = [false, false, true, true];

        Assert.Equal(0.75, BinaryMetrics.RocAuc(scores, labels)!.Value, Eps);
    }

    [Fact]
    public void RocAuc_TiedPair_CountsHalf()
    {
        // Pairs: 0.5 vs 0.2 win (1), 0.5 vs 0.5 tie (0.5), 0.9 vs both win (2) → 3.5 / 4.
        double[] scores = [0.2, 0.5, 0.5, 0.9];
        bool[] labels = [false, false, true, true];

        Assert.Equal(0.875, BinaryMetrics.RocAuc(scores, labels)!.Value, Eps);
    }

    [Fact]
    public void RocAuc_AllScoresTied_IsOneHalf()
    {
        double[] scores = [0.3, 0.3, 0.3, 0.3, 0.3];
        bool[] labels = [true, false, true, false, false];

        Assert.Equal(0.5, BinaryMetrics.RocAuc(scores, labels)!.Value, Eps);
    }

    [Fact]
    public void RocAuc_OneClassOnly_IsNull()
    {
        Assert.Null(BinaryMetrics.RocAuc([0.1, 0.9], [false, false]));
    }

    [Fact]
    public void Roc_TiedScores_OnePointPerDistinctScoreAndTrapezoidEqualsMannWhitney()
    {
        // Distinct scores 0.9, 0.5, 0.2 → points (0,0) (0,.5) (.5,1) (1,1); the tie at 0.5 moves FPR and TPR together.
        double[] scores = [0.2, 0.5, 0.5, 0.9];
        bool[] labels = [false, false, true, true];

        RocCurve roc = BinaryMetrics.Roc(scores, labels)!;

        Assert.Equal([0, 0, 0.5, 1], roc.FalsePositiveRates);
        Assert.Equal([0, 0.5, 1, 1], roc.TruePositiveRates);
        Assert.Equal([double.PositiveInfinity, 0.9, 0.5, 0.2], roc.Thresholds);
        Assert.Equal(BinaryMetrics.RocAuc(scores, labels)!.Value, BinaryMetrics.TrapezoidArea(roc), Eps);
    }

    [Fact]
    public void AveragePrecision_NoTies_MatchesSklearnStepSum()
    {
        // Descending: 0.8 F → P=1, R=.5; 0.4 R → P=.5, R=.5; 0.35 F → P=2/3, R=1; 0.1 R → P=.5, R=1.
        // AP = .5·1 + 0·.5 + .5·(2/3) + 0·.5 = 0.8333… (sklearn.metrics.average_precision_score gives the same).
        double[] scores = [0.1, 0.4, 0.35, 0.8];
        bool[] labels = [false, false, true, true];

        Assert.Equal(0.5 + (0.5 * 2.0 / 3.0), BinaryMetrics.AveragePrecision(scores, labels)!.Value, Eps);
    }

    [Fact]
    public void AveragePrecision_TiedGroup_IsOneStep()
    {
        // Descending: {0.7: F, F, R} together → TP 2, FP 1: P=2/3, R=2/3; 0.3 F → P=3/4, R=1; 0.1 R → P=3/5, R=1.
        // AP = (2/3)·(2/3) + (1/3)·(3/4) + 0 = 4/9 + 1/4 = 25/36.
        double[] scores = [0.3, 0.7, 0.7, 0.7, 0.1];
        bool[] labels = [true, false, true, true, false];

        Assert.Equal(25.0 / 36.0, BinaryMetrics.AveragePrecision(scores, labels)!.Value, Eps);
    }

    [Fact]
    public void AveragePrecision_NoPositives_IsNull()
    {
        Assert.Null(BinaryMetrics.AveragePrecision([0.1, 0.2], [false, false]));
    }

    [Fact]
    public void ExpectedCalibrationError_TinySet_IsWeightedGap()
    {
        // Bins: [0,.1): {.05 R} conf .05 acc 0 → .05; [.1,.2): {.15 R, .12 F} conf .135 acc .5 → .365;
        // [.8,.9): {.85 F} → .15; [.9,1]: {.95 F} → .05. ECE = (.05 + 2·.365 + .15 + .05) / 5 = 0.196.
        double[] scores = [0.05, 0.15, 0.12, 0.95, 0.85];
        bool[] labels = [false, false, true, true, true];

        Assert.Equal(0.196, BinaryMetrics.ExpectedCalibrationError(scores, labels)!.Value, 1e-9);
    }

    [Fact]
    public void ExpectedCalibrationError_ScoreOfOne_FallsInLastBin()
    {
        // A score of exactly 1 belongs to [0.9, 1]: conf 1, acc 1 → ECE 0.
        ReliabilityBin[] bins = BinaryMetrics.Reliability([1.0], [true]);

        Assert.Equal(1, bins[9].Count);
        Assert.Equal(0, BinaryMetrics.ExpectedCalibrationError([1.0], [true])!.Value, Eps);
    }

    [Fact]
    public void Confusion_AtThreshold_ScoreEqualToThresholdIsPositive()
    {
        // Fakes .5 .7 .95 are all ≥ .5 → TP 3; reals .5 .5 .9 are ≥ .5 → FP 3, reals .1 .2 → TN 2.
        (double[] scores, bool[] labels) = TieSet();

        ConfusionMatrix cm = BinaryMetrics.Confusion(scores, labels, 0.5);

        Assert.Equal(new ConfusionMatrix(TruePositives: 3, FalsePositives: 3, TrueNegatives: 2, FalseNegatives: 0), cm);
        Assert.Equal(5.0 / 8.0, cm.Accuracy!.Value, Eps);
        Assert.Equal(0.5, cm.Precision!.Value, Eps);
        Assert.Equal(1.0, cm.Recall!.Value, Eps);
        Assert.Equal(2.0 / 3.0, cm.F1!.Value, Eps);
        Assert.Equal(0.6, cm.FalsePositiveRate!.Value, Eps);
    }

    [Fact]
    public void Confusion_NothingFlagged_PrecisionIsNullAndF1Undefined()
    {
        ConfusionMatrix cm = BinaryMetrics.Confusion([0.1, 0.2], [true, false], 0.9);

        Assert.Null(cm.Precision);
        Assert.Null(cm.F1);
        Assert.Equal(0.0, cm.Recall!.Value);
    }

    [Fact]
    public void ThresholdForTargetFpr_TieAtCandidate_SkipsWholeTieGroup()
    {
        // Descending groups: .95 F (FP0 TP1), .9 R (FP1 TP1), .7 F (FP1 TP2), {.5: R R F} (FP3 TP3), .2 R, .1 R. N=5, P=3.
        // Target 40% allows 2 FP. Taking one real at .5 would fit, but the tie group brings both → FP 3 > 2, so .7 wins.
        (double[] scores, bool[] labels) = TieSet();

        ThresholdChoice choice = BinaryMetrics.ThresholdForTargetFpr(scores, labels, 0.4)!;

        Assert.Equal(0.7, choice.Threshold);
        Assert.Equal(1, choice.FalsePositives);
        Assert.Equal(0.2, choice.Fpr, Eps);
        Assert.Equal(2.0 / 3.0, choice.Tpr!.Value, Eps);
        Assert.False(choice.AboveAllScores);

        // The choice is consistent with the confusion matrix at that threshold.
        ConfusionMatrix cm = BinaryMetrics.Confusion(scores, labels, choice.Threshold);
        Assert.Equal(choice.FalsePositives, cm.FalsePositives);
        Assert.Equal(choice.TruePositives, cm.TruePositives);
    }

    [Fact]
    public void ThresholdForTargetFpr_ExactlyOnTarget_IsAccepted()
    {
        // 1 of 5 reals is exactly 20%: .9 is allowed, and .7 (no new real) is the smallest such threshold.
        (double[] scores, bool[] labels) = TieSet();

        ThresholdChoice choice = BinaryMetrics.ThresholdForTargetFpr(scores, labels, 0.2)!;

        Assert.Equal(0.7, choice.Threshold);
        Assert.Equal(0.2, choice.Fpr, Eps);
    }

    [Fact]
    public void ThresholdForTargetFpr_RealTiedWithTopScore_ThresholdAboveEverything()
    {
        // A real and a fake share the top score 0.9; with FPR 0 allowed nothing can be flagged.
        float top = 0.9f;
        double[] scores = [top, top, 0.1];
        bool[] labels = [true, false, false];

        ThresholdChoice choice = BinaryMetrics.ThresholdForTargetFpr(scores, labels, 0.0)!;

        Assert.True(choice.AboveAllScores);
        Assert.True(choice.Threshold > top);
        Assert.Equal(MathF.BitIncrement(top), (float)choice.Threshold); // next float, so it survives a float32 manifest
        Assert.Equal(0, choice.Fpr);
        Assert.Equal(0, choice.Tpr!.Value);
    }

    [Fact]
    public void ThresholdForTargetFpr_TargetOne_IsLowestScore()
    {
        (double[] scores, bool[] labels) = TieSet();

        ThresholdChoice choice = BinaryMetrics.ThresholdForTargetFpr(scores, labels, 1.0)!;

        Assert.Equal(0.1, choice.Threshold);
        Assert.Equal(1.0, choice.Fpr);
    }

    [Fact]
    public void ThresholdForTargetFpr_NoReals_IsNull()
    {
        Assert.Null(BinaryMetrics.ThresholdForTargetFpr([0.4, 0.6], [true, true], 0.01));
    }

    [Fact]
    public void TprAtFpr_FromRoc_IsLargestTprWithinTarget()
    {
        // ROC of the tie set: (0,0) (0,1/3) (.2,1/3) (.2,2/3) (.6,1) (.8,1) (1,1).
        (double[] scores, bool[] labels) = TieSet();
        RocCurve roc = BinaryMetrics.Roc(scores, labels)!;

        Assert.Equal(1.0 / 3.0, BinaryMetrics.TprAtFpr(roc, 0.1)!.Value, Eps);
        Assert.Equal(2.0 / 3.0, BinaryMetrics.TprAtFpr(roc, 0.2)!.Value, Eps);
        Assert.Equal(2.0 / 3.0, BinaryMetrics.TprAtFpr(roc, 0.5)!.Value, Eps);
        Assert.Equal(1.0, BinaryMetrics.TprAtFpr(roc, 0.6)!.Value, Eps);
        Assert.Null(BinaryMetrics.TprAtFpr(null, 0.01));
    }

    [Fact]
    public void TprAtFpr_AgreesWithThresholdForTargetFpr()
    {
        (double[] scores, bool[] labels) = TieSet();
        RocCurve roc = BinaryMetrics.Roc(scores, labels)!;

        foreach (double target in new[] { 0.0, 0.1, 0.2, 0.4, 0.6, 0.99, 1.0 })
        {
            Assert.Equal(BinaryMetrics.ThresholdForTargetFpr(scores, labels, target)!.Tpr!.Value, BinaryMetrics.TprAtFpr(roc, target)!.Value, Eps);
        }
    }

    [Fact]
    public void BootstrapAuc_SameSeed_SameIntervalContainingPointEstimate()
    {
        (double[] scores, bool[] labels) = NoisySet(200, seed: 7);
        double auc = BinaryMetrics.RocAuc(scores, labels)!.Value;

        ConfidenceInterval first = BinaryMetrics.BootstrapAuc(scores, labels, resamples: 500, seed: 123)!.Value;
        ConfidenceInterval second = BinaryMetrics.BootstrapAuc(scores, labels, resamples: 500, seed: 123)!.Value;

        Assert.Equal(first, second);
        Assert.InRange(auc, first.Lower, first.Upper);
        Assert.True(first.Upper - first.Lower > 0, "a noisy set must give an interval of some width");
        Assert.Equal(500, first.Resamples);
    }

    [Fact]
    public void BootstrapAuc_DifferentSeed_DifferentInterval()
    {
        (double[] scores, bool[] labels) = NoisySet(200, seed: 7);

        ConfidenceInterval a = BinaryMetrics.BootstrapAuc(scores, labels, resamples: 200, seed: 1)!.Value;
        ConfidenceInterval b = BinaryMetrics.BootstrapAuc(scores, labels, resamples: 200, seed: 2)!.Value;

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void BootstrapAuc_PerfectSeparation_IntervalIsOne()
    {
        // Stratified resampling keeps both classes in every resample, so a perfect split stays perfect.
        ConfidenceInterval ci = BinaryMetrics.BootstrapAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true], resamples: 100)!.Value;

        Assert.Equal(1.0, ci.Lower);
        Assert.Equal(1.0, ci.Upper);
    }

    [Fact]
    public void Quantile_Linear_InterpolatesBetweenOrderStatistics()
    {
        // numpy.quantile([1,2,3,4], 0.25) = 1.75 (linear method).
        Assert.Equal(1.75, BinaryMetrics.Quantile([1, 2, 3, 4], 0.25), Eps);
    }

    [Fact]
    public void RocAuc_NaNScore_Throws()
    {
        Assert.Throws<ArgumentException>(() => BinaryMetrics.RocAuc([double.NaN, 0.5], [true, false]));
    }

    /// <summary>Reals .1 .2 .5 .5 .9; fakes .5 .7 .95.</summary>
    private static (double[] Scores, bool[] Labels) TieSet() =>
        ([0.1, 0.2, 0.5, 0.5, 0.9, 0.5, 0.7, 0.95], [false, false, false, false, false, true, true, true]);

    private static (double[] Scores, bool[] Labels) NoisySet(int n, int seed)
    {
        var random = new Random(seed);
        double[] scores = new double[n];
        bool[] labels = new bool[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2 == 0;
            scores[i] = Math.Clamp((labels[i] ? 0.6 : 0.4) + ((random.NextDouble() - 0.5) * 0.8), 0, 1);
        }

        return (scores, labels);
    }
}
