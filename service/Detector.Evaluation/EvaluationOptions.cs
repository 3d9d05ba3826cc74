using Detector.Evaluation.Metrics;

namespace Detector.Evaluation;

/// <summary>Settings of one evaluation; every value is echoed in the report.</summary>
public sealed class EvaluationOptions
{
    /// <summary>False-positive rate the threshold is chosen for. Default 0.01 (1%).</summary>
    public double TargetFpr { get; init; } = 0.01;

    /// <summary>Bootstrap resamples for the AUC interval. Default 1000.</summary>
    public int BootstrapResamples { get; init; } = 1000;

    /// <summary>Bootstrap seed. Default <see cref="BinaryMetrics.DefaultSeed"/>, fixed so that reports are reproducible.</summary>
    public int BootstrapSeed { get; init; } = BinaryMetrics.DefaultSeed;

    /// <summary>Confidence level of the AUC interval. Default 0.95.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Equal-width bins for ECE and the reliability diagram. Default 10.</summary>
    public int CalibrationBins { get; init; } = 10;

    /// <summary>A class with fewer samples than this gets a warning in the report. Default 100.</summary>
    public int FewSamplesWarningBelow { get; init; } = 100;

    public void Validate()
    {
        if (double.IsNaN(TargetFpr) || TargetFpr < 0 || TargetFpr > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TargetFpr), TargetFpr, "The target FPR must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BootstrapResamples, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(CalibrationBins, 1);
        if (!(ConfidenceLevel > 0 && ConfidenceLevel < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "The confidence level must be in (0, 1).");
        }
    }
}
