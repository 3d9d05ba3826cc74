namespace Detector.Evidence.Model;

/// <summary>A classifier's result, as the engine reports it.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Task">"synthetic" or "manipulation" (see <see cref="ModelTasks"/>).</param>
/// <param name="Score">The model's score in [0, 1].</param>
/// <param name="Threshold">The model's decision threshold.</param>
/// <param name="Positive">Whether the model called the image positive (score at or above threshold).</param>
/// <param name="Caution">What a positive score of this model does not establish (from its manifest), or null.</param>
public sealed record ModelScore(string Model, string Task, double Score, double Threshold, bool Positive, string? Caution = null);

/// <summary>Task names of <see cref="ModelScore.Task"/>.</summary>
public static class ModelTasks
{
    public const string Synthetic = "synthetic";
    public const string Manipulation = "manipulation";
}

/// <summary>What kind of reason this is, strongest first.</summary>
public enum ReasonRank
{
    ProofOfAiGeneration = 0,
    ProofOfAiEditing = 1,
    PositiveModelScore = 2,
    SupportingHint = 3,
    UnreadableProvenance = 4,
    NegativeModelScore = 5,
    Note = 6,
}

/// <summary>One reason behind the verdict.</summary>
/// <param name="Rank">Strength class; reasons are ordered by it.</param>
/// <param name="Text">One human sentence.</param>
/// <param name="Source">The finding kind or model name it comes from.</param>
public sealed record VerdictReason(ReasonRank Rank, string Text, string Source);

/// <summary>The composed verdict an investigator reads first.</summary>
/// <param name="SyntheticLikelihood">Likelihood the image is AI-generated in [0, 1], or null when nothing assessed it.</param>
/// <param name="ManipulationLikelihood">Likelihood the image was manipulated in [0, 1], or null when nothing assessed it.</param>
/// <param name="Label">The first line an investigator reads.</param>
/// <param name="Reasons">Reasons, strongest first.</param>
public sealed record EvidenceVerdict(double? SyntheticLikelihood, double? ManipulationLikelihood, string Label, IReadOnlyList<VerdictReason> Reasons);
