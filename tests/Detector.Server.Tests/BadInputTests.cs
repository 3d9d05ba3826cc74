using Detector.Api.V1;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;

namespace Detector.Server.Tests;

/// <summary>Every bad input gets a clear status with a reason, alone or inside a batch or stream, and never harms other requests.</summary>
public sealed class BadInputTests() : HostTestBase(new DetectorHostFactory(new Dictionary<string, string?>
{
    // Small limits so the limit cases are cheap to build: 1 MiB and 4 megapixels.
    ["Imaging:MaxBytes"] = "1048576",
    ["Imaging:MaxPixels"] = "4000000",
}))
{
    public static TheoryData<string, byte[], string> BadImages()
    {
        byte[] jpeg = TestImages.Textured(64, 64, jpeg: true);
        Random random = new(7);
        byte[] noise = new byte[4096];
        random.NextBytes(noise);
        byte[] big = new byte[(1024 * 1024) + 1];
        TestImages.SolidPng(8, 8, 1, 1, 1).CopyTo(big, 0);
        return new TheoryData<string, byte[], string>
        {
            { "empty", [], "empty" },
            { "truncated-jpeg", jpeg[..(jpeg.Length / 2)], "" },
            { "random-bytes", noise, "format" },
            { "unsupported-format", "%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n"u8.ToArray(), "format" },
            { "over-byte-limit", big, "1048576" },
            { "over-pixel-limit", TestImages.SolidPng(2100, 2000, 9, 9, 9), "4000000" },
            { "png-bomb-100000x100000", TestImages.PngDeclaring(100_000, 100_000), "100000" },
        };
    }

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task Score_BadImage_FailsWithInvalidArgumentAndReason(string id, byte[] data, string reasonContains)
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = id, Data = ByteString.CopyFrom(data) } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail));
        Assert.Contains(reasonContains, ex.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Score_PayloadAboveGrpcDefaultLimit_ReachesTheServiceAndGetsItsByteLimitReason()
    {
        // 5 MiB is over gRPC's 4 MiB default message size: the host must raise that limit (Api:MaxMessageBytes)
        // so the image reaches the service, which refuses it with its own reason.
        byte[] data = new byte[5 * 1024 * 1024];
        TestImages.SolidPng(8, 8, 1, 1, 1).CopyTo(data, 0);

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = "big", Data = ByteString.CopyFrom(data) } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("1048576", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_UnknownModel_FailsWithNotFoundNamingTheModel()
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "x", Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 1, 1, 1)) },
            Options = new ScoreOptions { Models = { "no-such-model" } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no-such-model", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("tiny", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_MissingImage_FailsWithInvalidArgument()
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreAsync(new ScoreRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("image is required", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreBatch_MixedGoodAndBad_BadItemsGetTheirStatusAndOthersAreScored()
    {
        ScoreBatchRequest request = new();
        request.Images.Add(new ImageInput { Id = "good-1", Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 255, 0, 0)) });
        foreach ((string id, byte[] data, string _) in BadImagesList())
        {
            request.Images.Add(new ImageInput { Id = id, Data = ByteString.CopyFrom(data) });
        }

        request.Images.Add(new ImageInput { Id = "good-2", Data = ByteString.CopyFrom(TestImages.Textured(50, 30, jpeg: true)) });

        ScoreBatchResponse response = await Client.ScoreBatchAsync(request);

        Assert.Equal(request.Images.Select(i => i.Id), response.Results.Select(r => r.Id));
        Assert.All(response.Results.Where(r => r.Id.StartsWith("good", StringComparison.Ordinal)), r =>
        {
            Assert.Equal(0, r.Status.Code);
            Assert.Single(r.Scores);
        });
        Assert.All(response.Results.Where(r => !r.Id.StartsWith("good", StringComparison.Ordinal)), r =>
        {
            Assert.Equal((int)StatusCode.InvalidArgument, r.Status.Code);
            Assert.NotEmpty(r.Status.Message);
            Assert.Empty(r.Scores);
        });
    }

    [Fact]
    public async Task ScoreBatch_UnknownModel_FailsTheCallWithNotFound()
    {
        ScoreBatchRequest request = new() { Options = new ScoreOptions { Models = { "nope" } } };
        request.Images.Add(new ImageInput { Id = "a", Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 1, 1, 1)) });

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreBatchAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task ScoreBatch_Empty_FailsWithInvalidArgument()
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreBatchAsync(new ScoreBatchRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task ScoreStream_MixedGoodBadAndUnknownModel_EachItemGetsItsOwnStatus()
    {
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();
        Task<List<ImageResult>> reading = ScoringApiTests.ReadAllAsync(call.ResponseStream);
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = new ImageInput { Id = "good", Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 255, 0, 0)) } });
        foreach ((string id, byte[] data, string _) in BadImagesList())
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = new ImageInput { Id = id, Data = ByteString.CopyFrom(data) } });
        }

        await call.RequestStream.WriteAsync(new ScoreStreamRequest
        {
            Image = new ImageInput { Id = "unknown-model", Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 1, 1, 1)) },
            Options = new ScoreOptions { Models = { "nope" } },
        });
        await call.RequestStream.CompleteAsync();

        Dictionary<string, ImageResult> results = (await reading).ToDictionary(r => r.Id);

        Assert.Equal(0, results["good"].Status.Code);
        Assert.Equal((int)StatusCode.NotFound, results["unknown-model"].Status.Code);
        foreach ((string id, byte[] _, string reason) in BadImagesList())
        {
            Assert.Equal((int)StatusCode.InvalidArgument, results[id].Status.Code);
            Assert.Contains(reason, results[id].Status.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Score_BadImagesSentConcurrently_GoodRequestsAreAllScoredCorrectly()
    {
        List<Task<ScoreResponse>> good = [];
        List<Task> bad = [];
        for (int round = 0; round < 10; round++)
        {
            foreach ((string id, byte[] data, string _) in BadImagesList())
            {
                bad.Add(ExpectInvalidAsync(id, data));
            }

            good.Add(Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = $"good-{round}", Data = ByteString.CopyFrom(TestImages.SolidPng(30, 30, 255, 0, 0)) } }).ResponseAsync);
        }

        ScoreResponse[] results = await Task.WhenAll(good);
        await Task.WhenAll(bad);

        Assert.All(results, r => Assert.Equal(TestModelFolder.TinyRedScore, r.Result.Scores[0].Score, 5));
    }

    private async Task ExpectInvalidAsync(string id, byte[] data)
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = id, Data = ByteString.CopyFrom(data) } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    private static IEnumerable<(string Id, byte[] Data, string Reason)> BadImagesList() =>
        BadImages().Select(row => ((string)row[0], (byte[])row[1], (string)row[2]));
}
