using System.Security.Cryptography;
using Detector.Api.V1;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;

namespace Detector.Server.Tests;

/// <summary>End to end through a real gRPC client: good images are scored exactly as the model computes.</summary>
public sealed class ScoringApiTests() : HostTestBase(new DetectorHostFactory())
{
    private static readonly double RedScore = TestModelFolder.TinyRedScore;
    private static readonly double BlueScore = TestModelFolder.TinyBlueScore;

    private static ImageInput Image(string id, byte[] data) => new() { Id = id, Data = ByteString.CopyFrom(data) };

    [Fact]
    public async Task Score_LargerFile_Sha256IsOfTheWholeFile()
    {
        byte[] png = TestImages.Textured(400, 400, jpeg: false);
        Assert.True(png.Length >= 64 * 1024, $"the test image is {png.Length} bytes");

        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest { Image = Image("big", png) });

        Assert.Equal(0, response.Result.Status.Code);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), response.Result.Info.Sha256);
        Assert.Equal(png.Length, response.Result.Info.SizeBytes);
    }

    [Fact]
    public async Task Score_RedImage_ReturnsModelScoreInfoAndTimings()
    {
        byte[] png = TestImages.SolidPng(40, 24, 255, 0, 0);

        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest { Image = Image("red-1", png) });

        ImageResult result = response.Result;
        Assert.Equal("red-1", result.Id);
        Assert.Equal(0, result.Status.Code);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), result.Info.Sha256);
        Assert.Equal("png", result.Info.Format);
        Assert.Equal(40, result.Info.Width);
        Assert.Equal(24, result.Info.Height);
        ModelScore score = Assert.Single(result.Scores);
        Assert.Equal("tiny", score.Model);
        Assert.Equal("synthetic", score.Task);
        Assert.Equal(RedScore, score.Score, 5);
        Assert.True(score.Positive);
        Assert.Equal(score.Score, Assert.Single(score.Raw));
        Assert.Matches("^[0-9a-f]{64}$", score.ModelSha256);
        Assert.Equal(score.Score, result.Verdict.SyntheticLikelihood);
        Assert.StartsWith("Likely AI-generated: model tiny scored", result.Verdict.Label, StringComparison.Ordinal);
        Assert.True(result.Timings.TotalSeconds > 0);
        Assert.True(result.Timings.DecodeSeconds > 0);
    }

    [Fact]
    public async Task Score_NamedModels_ScoresExactlyThose()
    {
        ScoreResponse response = await Client.ScoreAsync(new ScoreRequest
        {
            Image = Image("b", TestImages.SolidPng(16, 16, 0, 0, 255)),
            Options = new ScoreOptions { Models = { "tiny-extra", "tiny" } },
        });

        Assert.Equal(["tiny-extra", "tiny"], response.Result.Scores.Select(s => s.Model));
        Assert.All(response.Result.Scores, s => Assert.Equal(BlueScore, s.Score, 5));
        Assert.Equal("No evidence found", response.Result.Verdict.Label);
    }

    [Fact]
    public async Task ListModels_ReportsManifestProviderAndSha()
    {
        ListModelsResponse response = await Client.ListModelsAsync(new ListModelsRequest());

        ModelInfo tiny = Assert.Single(response.Models, m => m.Name == "tiny");
        Assert.Equal("CPUExecutionProvider", tiny.ExecutionProvider);
        Assert.StartsWith("this build of ONNX Runtime has no CUDA provider", tiny.ProviderFallbackReason, StringComparison.Ordinal);
        Assert.True(tiny.IsDefault);
        Assert.Equal("pil-bilinear", tiny.Input.ResizeFilter);
        Assert.Equal("stretch", tiny.Input.ResizeMode);
        Assert.Equal(32, tiny.Input.Width);
        Assert.Equal(0.5f, tiny.Threshold);
        Assert.Equal(1, tiny.MaxBatchSize); // on CPU one image at a time by default (Batching:CpuMaxBatchSize)
        Assert.Matches("^[0-9a-f]{64}$", tiny.Sha256);
        ModelInfo extra = Assert.Single(response.Models, m => m.Name == "tiny-extra");
        Assert.False(extra.IsDefault);
        Assert.Equal("", tiny.Caution);
        Assert.Equal("test model: scores mean nothing", extra.Caution);
    }

    [Fact]
    public async Task ScoreBatch_GoodImages_ReturnsResultsInRequestOrder()
    {
        ScoreBatchRequest request = new();
        for (int i = 0; i < 10; i++)
        {
            request.Images.Add(Image($"img-{i}", i % 2 == 0 ? TestImages.SolidPng(20, 20, 255, 0, 0) : TestImages.SolidPng(20, 20, 0, 0, 255)));
        }

        ScoreBatchResponse response = await Client.ScoreBatchAsync(request);

        Assert.Equal(request.Images.Select(i => i.Id), response.Results.Select(r => r.Id));
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i % 2 == 0 ? RedScore : BlueScore, response.Results[i].Scores[0].Score, 5);
        }
    }

    [Fact]
    public async Task ScoreStream_ManyImages_AnswersEachOnceWithItsId()
    {
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();
        const int count = 100;
        Task<List<ImageResult>> reading = ReadAllAsync(call.ResponseStream);
        for (int i = 0; i < count; i++)
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image($"s-{i}", TestImages.SolidPng(8 + (i % 5), 8, 255, 0, 0)) });
        }

        await call.RequestStream.CompleteAsync();
        List<ImageResult> results = await reading;

        Assert.Equal(count, results.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"s-{i}").Order(), results.Select(r => r.Id).Order());
        Assert.All(results, r => Assert.Equal(RedScore, r.Scores[0].Score, 5));
    }

    [Fact]
    public async Task Reflection_ListsTheDetectorService()
    {
        Grpc.Reflection.V1Alpha.ServerReflectionResponse response = await ReflectAsync(new() { ListServices = "" });

        Assert.Contains(response.ListServicesResponse.Service, s => s.Name == "detector.v1.DetectorService");
    }

    [Fact]
    public async Task Reflection_DescribesTheDetectorServiceFromItsProto()
    {
        // The service is bound by DetectorServiceBinding, not the generated code: reflection must still find its descriptor.
        Grpc.Reflection.V1Alpha.ServerReflectionResponse response = await ReflectAsync(new() { FileContainingSymbol = "detector.v1.DetectorService" });

        Assert.Null(response.ErrorResponse);
        Google.Protobuf.Reflection.FileDescriptorProto file = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("detector/v1/detector.proto", file.Name);
        Assert.Equal(["Score", "ScoreBatch", "ScoreStream", "ListModels"], file.Service.Single(s => s.Name == "DetectorService").Method.Select(m => m.Name));
    }

    private async Task<Grpc.Reflection.V1Alpha.ServerReflectionResponse> ReflectAsync(Grpc.Reflection.V1Alpha.ServerReflectionRequest request)
    {
        Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient reflection = new(Channel);
        using AsyncDuplexStreamingCall<Grpc.Reflection.V1Alpha.ServerReflectionRequest, Grpc.Reflection.V1Alpha.ServerReflectionResponse> call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        return call.ResponseStream.Current;
    }

    [Fact]
    public async Task Metrics_AfterScoring_ExposesRequestAndBatchCounters()
    {
        await Client.ScoreAsync(new ScoreRequest { Image = Image("m", TestImages.SolidPng(8, 8, 1, 2, 3)) });
        using HttpClient http = Factory.CreateClient();

        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("detector_requests_total{model=\"tiny\",outcome=\"success\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("detector_batches_total", metrics, StringComparison.Ordinal);
        Assert.Contains("detector_queue_depth", metrics, StringComparison.Ordinal);
    }

    internal static async Task<List<ImageResult>> ReadAllAsync(IAsyncStreamReader<ScoreStreamResponse> stream)
    {
        List<ImageResult> results = [];
        while (await stream.MoveNext(CancellationToken.None))
        {
            results.Add(stream.Current.Result);
        }

        return results;
    }
}
