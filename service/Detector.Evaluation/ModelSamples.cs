namespace Detector.Evaluation;

/// <summary>One image's score from one model.</summary>
/// <param name="Path">The image as the report shows it.</param>
/// <param name="IsFake">True label: fake (AI-generated) is the positive class.</param>
/// <param name="Group">Group name; empty when none.</param>
/// <param name="Score">P(fake) as the model reported it.</param>
public readonly record struct ScoredSample(string Path, bool IsFake, string Group, double Score);

/// <summary>Everything one model scored on the data set, with the threshold it runs at.</summary>
/// <param name="Model">Model name as ListModels reports it.</param>
/// <param name="Version">Model version.</param>
/// <param name="Task">synthetic, manipulation or auxiliary.</param>
/// <param name="Threshold">The model's current threshold (<c>positive = score &gt;= threshold</c>).</param>
/// <param name="Samples">The scored images.</param>
public sealed record ModelSamples(string Model, string Version, string Task, double Threshold, IReadOnlyList<ScoredSample> Samples)
{
    public double[] Scores() => Samples.Select(static s => s.Score).ToArray();

    public bool[] Labels() => Samples.Select(static s => s.IsFake).ToArray();
}
