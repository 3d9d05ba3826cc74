using Detector.Api.V1;
using Google.Protobuf;
using Grpc.Core;
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
    public async Task Score_MetadataEvidence_KeepsProvenanceLeavesOutPixelChecksAndSaysSo()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "metadata", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) },
            Options = new ScoreOptions { Evidence = EvidenceLevel.Metadata },
        });

        ImageResult result = response.Result;
        Assert.Contains(result.Evidence, e => e.Strength == EvidenceStrength.ProofOfAiGeneration);
        Assert.StartsWith("AI-generated:", result.Verdict.Label, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Evidence, e => e.Kind.Contains("pdq", StringComparison.OrdinalIgnoreCase) || e.Kind.Contains("watermark", StringComparison.OrdinalIgnoreCase));
        EvidenceMessage notRun = Assert.Single(result.Evidence, e => e.Kind == "input.not_examined");
        Assert.Contains("watermark", notRun.Summary, StringComparison.Ordinal);
        Assert.Contains("PDQ", notRun.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_EvidenceLevelNone_ReturnsNoFindings()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "none", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) },
            Options = new ScoreOptions { Evidence = EvidenceLevel.None },
        });

        Assert.Empty(response.Result.Evidence);
        Assert.Equal(0, response.Result.Timings.EvidenceSeconds);
    }

    [Fact]
    public async Task Score_SkipEvidenceWithFullLevel_SkipWins()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "both", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) },
            Options = new ScoreOptions { SkipEvidence = true, Evidence = EvidenceLevel.Full },
        });

        Assert.Empty(response.Result.Evidence);
    }

    [Fact]
    public async Task Score_UnknownEvidenceLevel_FailsWithInvalidArgumentAndReason()
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(async () => await Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "level", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) },
            Options = new ScoreOptions { Evidence = (EvidenceLevel)42 },
        }));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("evidence level 42", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreBatch_UnknownEvidenceLevel_FailsTheWholeCall()
    {
        ScoreBatchRequest request = new() { Options = new ScoreOptions { Evidence = (EvidenceLevel)7 } };
        request.Images.Add(new ImageInput { Id = "a", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) });

        RpcException ex = await Assert.ThrowsAsync<RpcException>(async () => await Client.ScoreBatchAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task ScoreStream_UnknownEvidenceLevel_FailsThatItemOnly()
    {
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = new ImageInput { Id = "bad", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) }, Options = new ScoreOptions { Evidence = (EvidenceLevel)9 } });
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = new ImageInput { Id = "good", Data = ByteString.CopyFrom(BluePngWithA1111Parameters()) }, Options = new ScoreOptions { Evidence = EvidenceLevel.Metadata } });
        await call.RequestStream.CompleteAsync();

        Dictionary<string, ImageResult> results = [];
        await foreach (ScoreStreamResponse response in call.ResponseStream.ReadAllAsync())
        {
            results[response.Result.Id] = response.Result;
        }

        Assert.Equal((int)StatusCode.InvalidArgument, results["bad"].Status.Code);
        Assert.Equal(0, results["good"].Status?.Code ?? 0);
        Assert.Contains(results["good"].Evidence, e => e.Strength == EvidenceStrength.ProofOfAiGeneration);
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

/// <summary>A deployment that sets the default evidence level to metadata for requests that do not choose one.</summary>
public sealed class EvidenceDefaultLevelTests() : HostTestBase(new DetectorHostFactory(new Dictionary<string, string?> { ["Api:DefaultEvidence"] = "Metadata" }))
{
    [Fact]
    public async Task Score_LevelUnspecified_UsesTheConfiguredMetadataDefault()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = "default", Data = ByteString.CopyFrom(TestSupport.TestImages.Textured(300, 300, jpeg: true)) } });

        Assert.DoesNotContain(response.Result.Evidence, e => e.Kind.Contains("pdq", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(response.Result.Evidence, e => e.Kind == "input.not_examined");
    }

    [Fact]
    public async Task Score_LevelFull_OverridesTheDefault()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "full", Data = ByteString.CopyFrom(TestSupport.TestImages.Textured(300, 300, jpeg: true)) },
            Options = new ScoreOptions { Evidence = EvidenceLevel.Full },
        });

        Assert.Contains(response.Result.Evidence, e => e.Kind.Contains("pdq", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(response.Result.Evidence, e => e.Kind == "input.not_examined");
    }
}

/// <summary>A deployment that keeps full evidence for single images and runs metadata only for bulk calls.</summary>
public sealed class EvidenceBulkDefaultLevelTests() : HostTestBase(new DetectorHostFactory(new Dictionary<string, string?> { ["Api:DefaultBulkEvidence"] = "Metadata" }))
{
    private static ImageInput Image(string id) => new() { Id = id, Data = ByteString.CopyFrom(TestSupport.TestImages.Textured(300, 300, jpeg: true)) };

    private static bool RanPdq(ImageResult result) => result.Evidence.Any(e => e.Kind.Contains("pdq", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task Score_LevelUnspecified_KeepsTheFullDefault()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest { Image = Image("single") });

        Assert.True(RanPdq(response.Result));
    }

    [Fact]
    public async Task ScoreBatch_LevelUnspecified_UsesTheBulkDefault_AnExplicitLevelWins()
    {
        ScoreBatchResponse unspecified = await Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Image("b1") } });
        ScoreBatchResponse full = await Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Image("b2") }, Options = new ScoreOptions { Evidence = EvidenceLevel.Full } });

        Assert.False(RanPdq(unspecified.Results[0]));
        Assert.Contains(unspecified.Results[0].Evidence, e => e.Kind == "input.not_examined");
        Assert.True(RanPdq(full.Results[0]));
    }

    [Fact]
    public async Task ScoreStream_LevelUnspecified_UsesTheBulkDefault()
    {
        using Grpc.Core.AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image("s1") });
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(0, call.ResponseStream.Current.Result.Status.Code);
        Assert.False(RanPdq(call.ResponseStream.Current.Result));
    }
}
