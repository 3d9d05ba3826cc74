using System.Text.RegularExpressions;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using Detector.Evidence.Verdict;

namespace Detector.Evidence.Tests;

public partial class VerdictComposerTests
{
    private static readonly ModelScore SyntheticLow = new("vit-synth", ModelTasks.Synthetic, 0.12, 0.5, false);
    private static readonly ModelScore SyntheticHigh = new("vit-synth", ModelTasks.Synthetic, 0.97, 0.5, true);
    private static readonly ModelScore ManipulationHigh = new("mantra", ModelTasks.Manipulation, 0.91, 0.6, true);

    [Fact]
    public void C2paProof_OutranksLowClassifierScore()
    {
        EvidenceReport report = EvidenceAnalyzer.Analyze(PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("OpenAI"))), null);

        EvidenceVerdict verdict = VerdictComposer.Compose(report.Findings, [SyntheticLow]);

        Assert.Equal(1.0, verdict.SyntheticLikelihood);
        Assert.Equal("AI-generated: C2PA manifest from OpenAI 1.0 declares trainedAlgorithmicMedia", verdict.Label);
        Assert.Equal(ReasonRank.ProofOfAiGeneration, verdict.Reasons[0].Rank);
        Assert.Contains("not verified", verdict.Reasons[0].Text, StringComparison.Ordinal);
        Assert.Contains(verdict.Reasons, r => r.Rank == ReasonRank.Note && r.Text.Contains("provenance outranks classifier scores", StringComparison.Ordinal));
        Assert.Equal(ReasonRank.NegativeModelScore, verdict.Reasons.Single(r => r.Source == "vit-synth").Rank);
        AssertOrdered(verdict);
    }

    [Fact]
    public void PositiveModelOnly_LabelsLikely()
    {
        EvidenceVerdict verdict = VerdictComposer.Compose([], [SyntheticHigh, ManipulationHigh]);

        Assert.Equal("Likely AI-generated: model vit-synth scored 0.97", verdict.Label);
        Assert.Equal(0.97, verdict.SyntheticLikelihood);
        Assert.Equal(0.91, verdict.ManipulationLikelihood);
        Assert.Equal(ReasonRank.PositiveModelScore, verdict.Reasons[0].Rank);
    }

    [Fact]
    public void ManipulationModelOnly_LabelsLikelyManipulated()
    {
        Assert.Equal("Likely manipulated: model mantra scored 0.91", VerdictComposer.Compose([], [SyntheticLow, ManipulationHigh]).Label);
    }

    [Fact]
    public void NothingFound_SaysNoEvidenceAndNotAssessed()
    {
        EvidenceVerdict verdict = VerdictComposer.Compose([], []);

        Assert.Equal("No evidence found", verdict.Label);
        Assert.Null(verdict.SyntheticLikelihood);
        Assert.Null(verdict.ManipulationLikelihood);
        Assert.Contains("Absence of metadata proves nothing", Assert.Single(verdict.Reasons).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeModels_NoEvidence_StillNoClaimOfCameraOrigin()
    {
        EvidenceVerdict verdict = VerdictComposer.Compose([], [SyntheticLow]);

        Assert.Equal("No evidence found", verdict.Label);
        Assert.Equal(0.12, verdict.SyntheticLikelihood);
        AssertNoAuthenticityWords(verdict);
    }

    [Fact]
    public void AiEditingProof_SetsManipulationToOne()
    {
        EvidenceReport report = EvidenceAnalyzer.Analyze(JpegBuilder.Simple(b => b.Xmp(XmpPackets.Resource(JumbfBuilder.CompositeWithTrained))), null);

        EvidenceVerdict verdict = report.ComposeVerdict([SyntheticLow]);

        Assert.Equal(1.0, verdict.ManipulationLikelihood);
        Assert.Equal(0.12, verdict.SyntheticLikelihood);
        Assert.StartsWith("AI-edited: XMP metadata declares IPTC digital source type compositeWithTrainedAlgorithmicMedia", verdict.Label, StringComparison.Ordinal);
    }

    [Fact]
    public void SaturatedClassifierScore_StaysBelowTheOneReservedForProof()
    {
        // A float32 sigmoid saturates to exactly 1.0; with hints, a score just below 1 rounds up to 1.0 in doubles.
        ModelScore saturated = new("vit-synth", ModelTasks.Synthetic, 1.0, 0.5, true);
        ModelScore nearlyOne = new("vit-synth", ModelTasks.Synthetic, Math.BitDecrement(1.0), 0.5, true);
        Finding hint = new(FindingKinds.ExifGeneratorSoftware, FindingStrength.SupportingHint, "EXIF Software names an image generator: Midjourney.", [], FindingLocation.File("JPEG"));

        EvidenceVerdict fromScore = VerdictComposer.Compose([], [saturated]);
        EvidenceVerdict withHint = VerdictComposer.Compose([hint], [nearlyOne]);

        // Below 1 also as the float32 the API carries (the double just below 1.0 would round back up to 1.0f).
        Assert.True((float)fromScore.SyntheticLikelihood!.Value < 1f, $"likelihood {fromScore.SyntheticLikelihood:R}");
        Assert.StartsWith("Likely AI-generated:", fromScore.Label, StringComparison.Ordinal);
        Assert.True((float)withHint.SyntheticLikelihood!.Value < 1f, $"likelihood {withHint.SyntheticLikelihood:R}");
    }

    [Fact]
    public void PositiveScoreOfAModelWithACaution_LabelAndReasonCarryIt()
    {
        ModelScore weak = new("baseline", ModelTasks.Synthetic, 0.93, 0.84, true, "weak baseline: never sufficient alone");
        ModelScore manipulation = new("mantra", ModelTasks.Manipulation, 0.91, 0.6, true, "research model.");

        EvidenceVerdict synthetic = VerdictComposer.Compose([], [weak]);
        EvidenceVerdict manipulated = VerdictComposer.Compose([], [manipulation]);

        Assert.Equal("Likely AI-generated: model baseline scored 0.93 (weak baseline: never sufficient alone)", synthetic.Label);
        VerdictReason reason = Assert.Single(synthetic.Reasons, r => r.Rank == ReasonRank.PositiveModelScore);
        Assert.Equal("Model baseline (synthetic) scored 0.93, at or above its threshold 0.84. Caution from the model's manifest: weak baseline: never sufficient alone.", reason.Text);
        Assert.Equal("Likely manipulated: model mantra scored 0.91 (research model.)", manipulated.Label);
    }

    [Fact]
    public void NegativeScoreOfAModelWithACaution_NoCautionNeeded()
    {
        ModelScore weak = new("baseline", ModelTasks.Synthetic, 0.12, 0.84, false, "weak baseline: never sufficient alone");

        EvidenceVerdict verdict = VerdictComposer.Compose([], [weak]);

        Assert.Equal("No evidence found", verdict.Label);
        Assert.DoesNotContain(verdict.Reasons, r => r.Text.Contains("weak baseline", StringComparison.Ordinal));
    }

    [Fact]
    public void AiEditingProof_NoteSaysTheDeclarationWasNotVerified()
    {
        EvidenceReport report = EvidenceAnalyzer.Analyze(PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("Adobe Photoshop", JumbfBuilder.CompositeWithTrained))), null);

        EvidenceVerdict verdict = report.ComposeVerdict([SyntheticLow]);

        VerdictReason note = Assert.Single(verdict.Reasons, r => r.Rank == ReasonRank.Note && r.Text.StartsWith("Manipulation likelihood is 1.0", StringComparison.Ordinal));
        Assert.Contains("not cryptographically verified", note.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void HintsOnly_RaiseLikelihoodModestlyAndSayHints()
    {
        Finding hint = new(FindingKinds.ExifGeneratorSoftware, FindingStrength.SupportingHint, "EXIF Software names an image generator: Midjourney.", [], FindingLocation.File("JPEG"));

        EvidenceVerdict verdict = VerdictComposer.Compose([hint], []);

        Assert.Equal(0.2, verdict.SyntheticLikelihood!.Value, 12);
        Assert.StartsWith("Hints of AI generation only:", verdict.Label, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedC2pa_IsAReason()
    {
        Finding malformed = new(FindingKinds.C2paMalformed, FindingStrength.Malformed, "C2PA store present but malformed at offset 41: truncated.", [], FindingLocation.File("PNG"));

        EvidenceVerdict verdict = VerdictComposer.Compose([malformed], []);

        Assert.Contains(verdict.Reasons, r => r.Rank == ReasonRank.UnreadableProvenance);
    }

    [Fact]
    public void GeneratorParametersProof_LabelNamesGenerator()
    {
        EvidenceReport report = EvidenceAnalyzer.Analyze(PngBuilder.Small(b => b.Text("parameters", "cat\nSteps: 20, Sampler: Euler, Seed: 5, Model: sd15")), null);

        EvidenceVerdict verdict = report.ComposeVerdict();

        Assert.Equal(1.0, verdict.SyntheticLikelihood);
        Assert.StartsWith("AI-generated: PNG tEXt chunk 'parameters' holds AUTOMATIC1111-style WebUI", verdict.Label, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidScores_AreIgnored()
    {
        EvidenceVerdict verdict = VerdictComposer.Compose(null, [new ModelScore("x", "other", 0.9, 0.5, true), new ModelScore("y", ModelTasks.Synthetic, double.NaN, 0.5, true)]);

        Assert.Equal("No evidence found", verdict.Label);
    }

    [Fact]
    public void NoTextEverCallsAnImageAuthenticOrReal()
    {
        List<EvidenceVerdict> verdicts =
        [
            VerdictComposer.Compose([], []),
            VerdictComposer.Compose([], [SyntheticLow, new ModelScore("m", ModelTasks.Manipulation, 0.01, 0.5, false)]),
            EvidenceAnalyzer.Analyze(JpegBuilder.Simple(b => b.Xmp(XmpPackets.Attribute(JumbfBuilder.DigitalCapture))), null).ComposeVerdict([SyntheticLow]),
            EvidenceAnalyzer.Analyze(PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore())), null).ComposeVerdict([SyntheticLow]),
        ];

        foreach (EvidenceVerdict verdict in verdicts)
        {
            AssertNoAuthenticityWords(verdict);
        }
    }

    private static void AssertOrdered(EvidenceVerdict verdict)
    {
        for (int i = 1; i < verdict.Reasons.Count; i++)
        {
            Assert.True(verdict.Reasons[i - 1].Rank <= verdict.Reasons[i].Rank);
        }
    }

    private static void AssertNoAuthenticityWords(EvidenceVerdict verdict)
    {
        foreach (string text in verdict.Reasons.Select(r => r.Text).Append(verdict.Label))
        {
            Assert.DoesNotMatch(AuthenticityWords(), text);
        }
    }

    [GeneratedRegex(@"\b(authentic|authenticity|real|genuine)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AuthenticityWords();
}
