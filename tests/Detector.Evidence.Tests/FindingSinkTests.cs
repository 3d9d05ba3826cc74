using Detector.Evidence.Internal;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;

namespace Detector.Evidence.Tests;

/// <summary>The per-extractor cap keeps the strongest findings: a file cannot push its proof out with noise written first.</summary>
public sealed class FindingSinkTests
{
    private static readonly FindingLocation Where = FindingLocation.File("PNG");

    [Fact]
    public void Full_AProofTakesThePlaceOfTheLastWeakerFinding()
    {
        FindingSink sink = new(maxFindings: 3, maxValueLength: 100);
        sink.Add("n1", FindingStrength.NeutralFact, "n1", Where);
        sink.Add("h1", FindingStrength.SupportingHint, "h1", Where);
        sink.Add("n2", FindingStrength.NeutralFact, "n2", Where);

        sink.Add("p1", FindingStrength.ProofOfAiGeneration, "p1", Where);

        List<Finding> findings = sink.Drain("PNG");
        Assert.Equal(["n1", "h1", "p1", FindingKinds.InputNotExamined], findings.Select(f => f.Kind));
        Assert.Equal("1", findings[^1].Values.Single(v => v.Key == "dropped").Value);
    }

    [Fact]
    public void Full_AFindingNoStrongerThanAnyKeptIsDropped()
    {
        FindingSink sink = new(maxFindings: 2, maxValueLength: 100);
        sink.Add("h1", FindingStrength.SupportingHint, "h1", Where);
        sink.Add("p1", FindingStrength.ProofOfAiEditing, "p1", Where);

        sink.Add("n1", FindingStrength.NeutralFact, "n1", Where);
        sink.Add("m1", FindingStrength.Malformed, "m1", Where);
        sink.Add("h2", FindingStrength.SupportingHint, "h2", Where);

        List<Finding> findings = sink.Drain("PNG");
        Assert.Equal(["h1", "p1", FindingKinds.InputNotExamined], findings.Select(f => f.Kind));
        Assert.Equal("3", findings[^1].Values.Single(v => v.Key == "dropped").Value);
    }

    [Fact]
    public void Analyze_IngredientManifestsFillingTheCapBeforeTheActiveOnesAiDeclaration_TheProofIsStillReported()
    {
        // Three camera manifests (ingredients) before the active one, which declares trainedAlgorithmicMedia: the C2PA
        // extractor reports manifests in store order, so with a cap of 3 the proof came fourth and was dropped.
        byte[] store = JumbfBuilder.Store(
            JumbfBuilder.Manifest("urn:uuid:a", "Camera A", false, JumbfBuilder.HashAssertion()),
            JumbfBuilder.Manifest("urn:uuid:b", "Camera B", false, JumbfBuilder.HashAssertion()),
            JumbfBuilder.Manifest("urn:uuid:c", "Camera C", false, JumbfBuilder.HashAssertion()),
            JumbfBuilder.Manifest("urn:uuid:d", "ChatGPT", false, JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, "DALL-E")), JumbfBuilder.HashAssertion()));
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", store));

        EvidenceReport report = EvidenceAnalyzer.Analyze(png, null, new EvidenceOptions { MaxFindingsPerExtractor = 3 });

        Assert.Contains(report.Findings, f => f.Strength == FindingStrength.ProofOfAiGeneration && f.Kind.StartsWith("c2pa.", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.InputNotExamined && f.Summary.Contains("cap of 3", StringComparison.Ordinal));
    }
}
