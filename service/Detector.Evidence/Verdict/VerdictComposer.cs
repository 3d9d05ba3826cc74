using System.Globalization;
using Detector.Evidence.Model;

namespace Detector.Evidence.Verdict;

/// <summary>
/// Composes what an investigator reads first from findings and classifier scores. Provenance proof outranks classifier
/// scores: a declaration of AI generation sets the synthetic likelihood to 1.0 and says why. Absence of metadata is never
/// evidence of camera origin, and no text produced here calls an image authentic.
/// </summary>
public static class VerdictComposer
{
    /// <summary>Weight of one supporting hint in the noisy-OR combination (three hints alone give about 0.49).</summary>
    public const double HintWeight = 0.2;

    private const int MaxHintReasons = 10;

    /// <summary>
    /// The largest likelihood without proof: the float32 just below 1.0 (0.99999994), because the API carries likelihoods
    /// as float and the double just below 1.0 would round back to 1.0 on the wire.
    /// </summary>
    private static readonly double NotProof = MathF.BitDecrement(1f);

    private static readonly HashSet<string> ManipulationHintKinds = new(StringComparer.Ordinal)
    {
        FindingKinds.ExifEditingSoftware,
        FindingKinds.ExifThumbnail,
    };

    private static readonly HashSet<string> ProvenanceMalformedKinds = new(StringComparer.Ordinal)
    {
        FindingKinds.C2paMalformed,
        FindingKinds.XmpMalformed,
        FindingKinds.GeneratorMalformed,
    };

    /// <summary>Ranks proof kinds: C2PA first, then IPTC XMP, generator parameters, hidden copies, watermark.</summary>
    private static readonly string[] ProofPriority =
    [
        FindingKinds.C2paAiSourceType,
        FindingKinds.XmpDigitalSourceType,
        FindingKinds.GeneratorParameters,
        FindingKinds.StealthPayload,
        FindingKinds.Watermark,
    ];

    public static EvidenceVerdict Compose(IReadOnlyList<Finding>? findings, IReadOnlyList<ModelScore>? scores)
    {
        findings ??= [];
        scores ??= [];
        List<Finding> generation = Ordered(findings, FindingStrength.ProofOfAiGeneration);
        List<Finding> editing = Ordered(findings, FindingStrength.ProofOfAiEditing);
        List<Finding> syntheticHints = [];
        List<Finding> manipulationHints = [];
        foreach (Finding finding in findings)
        {
            if (finding.Strength == FindingStrength.SupportingHint)
            {
                (ManipulationHintKinds.Contains(finding.Kind) ? manipulationHints : syntheticHints).Add(finding);
            }
        }

        List<ModelScore> valid = [];
        foreach (ModelScore score in scores)
        {
            if (score is not null && double.IsFinite(score.Score) && score.Task is ModelTasks.Synthetic or ModelTasks.Manipulation)
            {
                valid.Add(score);
            }
        }

        valid.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        double? synthetic = Likelihood(generation.Count > 0, valid, ModelTasks.Synthetic, syntheticHints.Count);
        double? manipulation = Likelihood(editing.Count > 0, valid, ModelTasks.Manipulation, manipulationHints.Count);

        List<VerdictReason> reasons = [];
        foreach (Finding finding in generation)
        {
            reasons.Add(new VerdictReason(ReasonRank.ProofOfAiGeneration, ProofText(finding), finding.Kind));
        }

        if (generation.Count > 0)
        {
            reasons.Add(new VerdictReason(ReasonRank.Note, "Synthetic likelihood is 1.0 because the file itself declares AI generation; provenance outranks classifier scores. The declaration was read, not cryptographically verified.", "verdict"));
        }

        foreach (Finding finding in editing)
        {
            reasons.Add(new VerdictReason(ReasonRank.ProofOfAiEditing, ProofText(finding), finding.Kind));
        }

        if (editing.Count > 0)
        {
            reasons.Add(new VerdictReason(ReasonRank.Note, "Manipulation likelihood is 1.0 because the file itself declares AI editing; provenance outranks classifier scores. The declaration was read, not cryptographically verified.", "verdict"));
        }

        foreach (ModelScore score in valid)
        {
            if (score.Positive)
            {
                reasons.Add(new VerdictReason(ReasonRank.PositiveModelScore, $"Model {score.Model} ({score.Task}) scored {Format(score.Score)}, at or above its threshold {Format(score.Threshold)}.{CautionSentence(score)}", score.Model));
            }
        }

        int hints = 0;
        foreach (Finding finding in syntheticHints.Concat(manipulationHints))
        {
            if (hints++ < MaxHintReasons)
            {
                reasons.Add(new VerdictReason(ReasonRank.SupportingHint, finding.Summary, finding.Kind));
            }
        }

        foreach (Finding finding in findings)
        {
            if (finding.Strength == FindingStrength.Malformed && ProvenanceMalformedKinds.Contains(finding.Kind))
            {
                reasons.Add(new VerdictReason(ReasonRank.UnreadableProvenance, "Provenance data present but unreadable: " + finding.Summary, finding.Kind));
            }
        }

        foreach (ModelScore score in valid)
        {
            if (!score.Positive)
            {
                reasons.Add(new VerdictReason(ReasonRank.NegativeModelScore, $"Model {score.Model} ({score.Task}) scored {Format(score.Score)}, below its threshold {Format(score.Threshold)}; a low score does not show that a camera took the picture.", score.Model));
            }
        }

        if (generation.Count == 0 && editing.Count == 0)
        {
            reasons.Add(new VerdictReason(ReasonRank.Note, "No provenance metadata declares AI generation or editing. Absence of metadata proves nothing: most platforms and re-encoders strip it.", "verdict"));
        }

        reasons.Sort(static (a, b) => a.Rank.CompareTo(b.Rank));
        return new EvidenceVerdict(synthetic, manipulation, Label(generation, editing, valid, syntheticHints, manipulationHints), reasons);
    }

    /// <summary>The model's caution in the label, so that a weak model's positive never reads as a plain "likely".</summary>
    private static string CautionSuffix(ModelScore score) => string.IsNullOrWhiteSpace(score.Caution) ? "" : $" ({score.Caution.Trim()})";

    private static string CautionSentence(ModelScore score) => string.IsNullOrWhiteSpace(score.Caution) ? "" : $" Caution from the model's manifest: {Sentence(score.Caution.Trim())}.";

    private static string Label(List<Finding> generation, List<Finding> editing, List<ModelScore> scores, List<Finding> syntheticHints, List<Finding> manipulationHints)
    {
        if (generation.Count > 0)
        {
            return "AI-generated: " + Sentence(generation[0].Summary);
        }

        if (editing.Count > 0)
        {
            return "AI-edited: " + Sentence(editing[0].Summary);
        }

        foreach (ModelScore score in scores)
        {
            if (score.Positive && score.Task == ModelTasks.Synthetic)
            {
                return $"Likely AI-generated: model {score.Model} scored {Format(score.Score)}{CautionSuffix(score)}";
            }
        }

        foreach (ModelScore score in scores)
        {
            if (score.Positive && score.Task == ModelTasks.Manipulation)
            {
                return $"Likely manipulated: model {score.Model} scored {Format(score.Score)}{CautionSuffix(score)}";
            }
        }

        if (syntheticHints.Count > 0)
        {
            return "Hints of AI generation only: " + Sentence(syntheticHints[0].Summary);
        }

        if (manipulationHints.Count > 0)
        {
            return "Hints of editing only: " + Sentence(manipulationHints[0].Summary);
        }

        return "No evidence found";
    }

    private static double? Likelihood(bool proof, List<ModelScore> scores, string task, int hints)
    {
        if (proof)
        {
            return 1.0;
        }

        double? best = null;
        foreach (ModelScore score in scores)
        {
            if (score.Task == task)
            {
                double clamped = Math.Clamp(score.Score, 0, 1);
                best = best is null ? clamped : Math.Max(best.Value, clamped);
            }
        }

        if (best is null && hints == 0)
        {
            return null;
        }

        double likelihood = best ?? 0;
        if (hints > 0)
        {
            double remaining = 1 - likelihood;
            remaining *= Math.Pow(1 - HintWeight, Math.Min(hints, 3));
            likelihood = 1 - remaining;
        }

        // The model's own score, unrounded, and never the 1.0 reserved for provenance proof: a float32 sigmoid saturates
        // to exactly 1.0, and a score a few ulps below 1 combined with hints rounds up to it.
        return Math.Min(likelihood, NotProof);
    }

    private static List<Finding> Ordered(IReadOnlyList<Finding> findings, FindingStrength strength)
    {
        List<Finding> list = [];
        foreach (Finding finding in findings)
        {
            if (finding.Strength == strength)
            {
                list.Add(finding);
            }
        }

        // Stable sort by kind priority, active C2PA manifests before ingredients.
        return [.. list.Select((f, i) => (f, i)).OrderBy(t => Priority(t.f)).ThenBy(t => t.f.ValueOf("role") == "ingredient" ? 1 : 0).ThenBy(t => t.i).Select(t => t.f)];
    }

    private static int Priority(Finding finding)
    {
        int index = Array.IndexOf(ProofPriority, finding.Kind);
        return index < 0 ? ProofPriority.Length : index;
    }

    private static string ProofText(Finding finding)
    {
        string text = finding.Summary;
        if (finding.Kind == FindingKinds.C2paAiSourceType)
        {
            string signature = finding.ValueOf("signature") ?? "absent";
            text += $" Signature: {signature}; the signer was not evaluated for trust.";
        }

        return text;
    }

    private static string Sentence(string summary) => summary.TrimEnd().TrimEnd('.');

    private static string Format(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
