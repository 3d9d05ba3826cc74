using Detector.Api.V1;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;

namespace Detector.Server.Tests;

/// <summary>
/// Every image asked of a model is counted once in detector_requests_total, also when the API refuses it before the
/// engine sees it; an image whose model list is refused counts for no model. The models are this class's own: the
/// counters are process-wide.
/// </summary>
public sealed class RequestCountingTests() : HostTestBase(new DetectorHostFactory(addModels: m =>
{
    m.AddTinyModel(DefaultModel);
    m.AddTinyModel(OtherModel, isDefault: false);
}))
{
    private const string DefaultModel = "count-default";
    private const string OtherModel = "count-other";
    private const string Invalid = "invalid";

    private static readonly string LongId = new('x', 257);

    private static ImageInput Image(string id) => new() { Id = id, Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 255, 0, 0)) };

    private static ScoreOptions Models(params string[] names) => new() { Models = { names } };

    private Task<double> CountAsync(string model, string outcome) => MetricsScrape.RequestsAsync(Factory, model, outcome);

    private async Task<double[]> AllCountsAsync()
    {
        string[] outcomes = ["success", "rejected", "cancelled", "deadline", Invalid, "failed", "unavailable"];
        List<double> counts = [];
        foreach (string model in new[] { DefaultModel, OtherModel })
        {
            foreach (string outcome in outcomes)
            {
                counts.Add(await CountAsync(model, outcome));
            }
        }

        return [.. counts];
    }

    [Fact]
    public async Task Score_IdOverTheLimit_CountedInvalidOnceForEachNamedModel()
    {
        double defaultBefore = await CountAsync(DefaultModel, Invalid);
        double otherBefore = await CountAsync(OtherModel, Invalid);

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreAsync(new ScoreRequest { Image = Image(LongId), Options = Models(OtherModel, DefaultModel) }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(defaultBefore + 1, await CountAsync(DefaultModel, Invalid));
        Assert.Equal(otherBefore + 1, await CountAsync(OtherModel, Invalid));
    }

    [Fact]
    public async Task Score_NoImage_CountedInvalidForTheDefaultModels()
    {
        double defaultBefore = await CountAsync(DefaultModel, Invalid);
        double otherBefore = await CountAsync(OtherModel, Invalid);

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreAsync(new ScoreRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(defaultBefore + 1, await CountAsync(DefaultModel, Invalid));
        Assert.Equal(otherBefore, await CountAsync(OtherModel, Invalid));
    }

    [Fact]
    public async Task ScoreBatch_OneIdOverTheLimit_ThatImageCountedInvalidTheOtherSuccess()
    {
        double invalidBefore = await CountAsync(DefaultModel, Invalid);
        double successBefore = await CountAsync(DefaultModel, "success");

        ScoreBatchResponse response = await Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Image("good"), Image(LongId) } });

        Assert.Equal([(int)StatusCode.OK, (int)StatusCode.InvalidArgument], response.Results.Select(r => r.Status.Code));
        Assert.Equal(invalidBefore + 1, await CountAsync(DefaultModel, Invalid));
        Assert.Equal(successBefore + 1, await CountAsync(DefaultModel, "success"));
    }

    [Fact]
    public async Task ScoreBatch_UnknownEvidenceLevel_EachImageCountedInvalid()
    {
        double before = await CountAsync(OtherModel, Invalid);
        ScoreOptions options = Models(OtherModel);
        options.Evidence = (EvidenceLevel)99;

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Image("a"), Image("b"), Image("c") }, Options = options }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(before + 3, await CountAsync(OtherModel, Invalid));
    }

    [Fact]
    public async Task ScoreStream_ItemsWithoutImageOrWithAnIdOverTheLimit_EachCountedInvalidForItsModels()
    {
        double defaultBefore = await CountAsync(DefaultModel, Invalid);
        double otherBefore = await CountAsync(OtherModel, Invalid);
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();

        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Options = Models(OtherModel) });
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image(LongId) });
        await call.RequestStream.CompleteAsync();
        List<ImageResult> results = await ScoringApiTests.ReadAllAsync(call.ResponseStream);

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal((int)StatusCode.InvalidArgument, r.Status.Code));
        Assert.Equal(defaultBefore + 1, await CountAsync(DefaultModel, Invalid));
        Assert.Equal(otherBefore + 1, await CountAsync(OtherModel, Invalid));
    }

    [Fact]
    public async Task InvalidModelList_OnEveryMethod_CountsForNoModel()
    {
        // Arrange: too many names (17 over 16), a name over 128 characters, an unknown name; each with a bad id or no
        // image too, so that nothing but the model list can decide what is counted.
        ScoreOptions tooMany = new();
        tooMany.Models.AddRange(Enumerable.Repeat(DefaultModel, 17));
        ScoreOptions tooLong = Models(DefaultModel, new string('m', 129));
        ScoreOptions unknown = Models(DefaultModel, "no-such-model");
        double[] before = await AllCountsAsync();

        // Act
        StatusCode[] calls =
        [
            (await Assert.ThrowsAsync<RpcException>(() => Client.ScoreAsync(new ScoreRequest { Image = Image(LongId), Options = tooMany }).ResponseAsync)).StatusCode,
            (await Assert.ThrowsAsync<RpcException>(() => Client.ScoreAsync(new ScoreRequest { Image = Image("u"), Options = unknown }).ResponseAsync)).StatusCode,
            (await Assert.ThrowsAsync<RpcException>(() => Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Image(LongId) }, Options = tooLong }).ResponseAsync)).StatusCode,
        ];
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Options = tooMany });
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image(LongId), Options = tooLong });
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image("s"), Options = tooLong });
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image("u"), Options = unknown });
        await call.RequestStream.CompleteAsync();
        List<ImageResult> items = await ScoringApiTests.ReadAllAsync(call.ResponseStream);

        // Assert
        Assert.Equal([StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.InvalidArgument], calls);
        Assert.Equal(4, items.Count);
        Assert.All(items, r => Assert.NotEqual((int)StatusCode.OK, r.Status.Code));
        Assert.Equal(before, await AllCountsAsync());
    }
}
