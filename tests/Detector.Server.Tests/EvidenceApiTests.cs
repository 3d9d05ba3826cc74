using Detector.Api.V1;
using Google.Protobuf;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using EvidenceMessage = Detector.Api.V1.Evidence;

namespace Detector.Server.Tests;

/// <summary>The evidence layer through the API: findings with locations, provenance outranking scores, and the per-request switch.</summary>
public sealed class EvidenceApiTests() : HostTestBase(new DetectorHostFactory())
{
    /// <summary>A blue PNG (the tiny model scores it low) carrying AUTOMATIC1111 generation parameters in a tEXt chunk.</summary>
    private static byte[] BluePngWithA1111Parameters()
    {
        using Image<Rgb24> image = new(64, 64, new Rgb24(0, 0, 255));
        image.Metadata.GetPngMetadata().TextData.Add(new PngTextData(
            "parameters",
            "a photo of a lighthouse\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 64x64, Model hash: abc123, Model: sd15",
            "",
            ""));
        using MemoryStream stream = new();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    [Fact]
    public async Task Score_PngWithGeneratorParameters_ProvenanceOutranksTheLowScore()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = "a1111", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) } });

        ImageResult result = response.Result;
        Assert.False(result.Scores[0].Positive);
        EvidenceMessage proof = Assert.Single(result.Evidence, e => e.Strength == EvidenceStrength.ProofOfAiGeneration);
        Assert.Equal("png", proof.Location.Container, ignoreCase: true);
        Assert.True(proof.Location.HasOffset);
        Assert.Contains(proof.Values, v => v.Value.Contains("1234", StringComparison.Ordinal));
        Assert.Equal(EvidenceStrength.ProofOfAiGeneration, result.Evidence[0].Strength);
        Assert.StartsWith("AI-generated:", result.Verdict.Label, StringComparison.Ordinal);
        Assert.Equal(1f, result.Verdict.SyntheticLikelihood);
        Assert.True(result.Verdict.SyntheticAssessed);
        Assert.True(result.Timings.EvidenceSeconds > 0);
    }

    [Fact]
    public async Task Score_SkipEvidence_ReturnsNoFindingsAndScoresOnlyVerdict()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "skip", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) },
            Options = new ScoreOptions { SkipEvidence = true },
        });

        Assert.Empty(response.Result.Evidence);
        Assert.Equal("No evidence found", response.Result.Verdict.Label);
        Assert.Equal(0, response.Result.Timings.EvidenceSeconds);
    }

    [Fact]
    public async Task Score_PlainImage_HashFindingPresentAndNeverCalledAuthentic()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = "plain", Data = ByteString.CopyFrom(TestSupport.TestImages.Textured(300, 300, jpeg: true)) } });

        Assert.Contains(response.Result.Evidence, e => e.Kind.Contains("pdq", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("authentic", response.Result.Verdict.Label, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(response.Result.Evidence, e => e.Strength == EvidenceStrength.ProofOfAiGeneration);
    }
}
