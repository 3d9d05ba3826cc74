using Detector.Api.V1;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Detector.Server.Tests;

/// <summary>
/// Request sizes through real Kestrel, whose own body limit (30,000,000 bytes by default) the in-memory test server
/// does not have: an image up to Imaging:MaxBytes arrives, one over it gets the engine's reason, a message over
/// Api:MaxMessageBytes gets gRPC's RESOURCE_EXHAUSTED, and none of them ends as UNKNOWN.
/// </summary>
public sealed class RequestSizeTests
{
    private const int ShippedImageLimit = 32 * 1024 * 1024;

    private static readonly ScoreOptions NoEvidence = new() { Evidence = EvidenceLevel.None };

    /// <summary>A real JPEG followed by zeros up to <paramref name="size"/> bytes: decoders stop at the end of the image.</summary>
    private static ByteString PaddedJpeg(int size)
    {
        byte[] bytes = new byte[size];
        TestImages.Textured(64, 64, jpeg: true).CopyTo(bytes, 0);
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private static ImageInput Image(string id, ByteString data) => new() { Id = id, Data = data };

    /// <summary>1 MiB per image, 2 MiB per message: the limit cases stay cheap to build.</summary>
    private static Dictionary<string, string?> SmallLimits() => new()
    {
        ["Imaging:MaxBytes"] = "1048576",
        ["Api:MaxMessageBytes"] = "2097152",
    };

    private static Task<RpcException> ScoreFailsAsync(KestrelHost host, string id, int size) =>
        Assert.ThrowsAsync<RpcException>(() => host.Client.ScoreAsync(new ScoreRequest { Options = NoEvidence, Image = Image(id, PaddedJpeg(size)) }).ResponseAsync);

    [Fact]
    public async Task Score_ImageAboveKestrelsDefaultBodyLimitButWithinTheImageLimit_IsScored()
    {
        await using KestrelHost host = await KestrelHost.StartAsync();

        ScoreResponse response = await host.Client.ScoreAsync(new ScoreRequest { Options = NoEvidence, Image = Image("31-mb", PaddedJpeg(31_000_000)) });

        Assert.Equal(31_000_000, response.Result.Info.SizeBytes);
        Assert.NotEmpty(response.Result.Scores);
    }

    [Fact]
    public async Task Score_ImageOverTheImageLimit_IsInvalidArgumentWithTheSizeAndTheLimit()
    {
        await using KestrelHost host = await KestrelHost.StartAsync();

        RpcException ex = await ScoreFailsAsync(host, "35-mb", 35_000_000);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("35000000", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(ShippedImageLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreBatch_ImagesTogetherAboveKestrelsDefaultBodyLimit_EveryImageIsScored()
    {
        await using KestrelHost host = await KestrelHost.StartAsync();
        ScoreBatchRequest request = new() { Options = NoEvidence };
        for (int i = 0; i < 4; i++)
        {
            request.Images.Add(Image($"8-mb-{i}", PaddedJpeg(8_000_000)));
        }

        ScoreBatchResponse response = await host.Client.ScoreBatchAsync(request);

        Assert.Equal(4, response.Results.Count);
        Assert.All(response.Results, r => Assert.Equal(0, r.Status?.Code ?? 0));
        Assert.All(response.Results, r => Assert.NotEmpty(r.Scores));
    }

    [Fact]
    public async Task Score_MessageOverApiMaxMessageBytes_IsResourceExhausted()
    {
        await using KestrelHost host = await KestrelHost.StartAsync(SmallLimits());

        RpcException ex = await ScoreFailsAsync(host, "3-mb", 3_000_000);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("message", ex.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Score_BetweenTheImageLimitAndApiMaxMessageBytes_IsInvalidArgumentNotAKestrelError()
    {
        await using KestrelHost host = await KestrelHost.StartAsync(SmallLimits());

        RpcException ex = await ScoreFailsAsync(host, "1.5-mb", 1_500_000);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("1048576", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreStream_MessageOverApiMaxMessageBytes_AnswersTheImagesBeforeItThenEndsResourceExhausted()
    {
        await using KestrelHost host = await KestrelHost.StartAsync(SmallLimits());
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = host.Client.ScoreStream();
        for (int i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Options = NoEvidence, Image = Image($"small-{i}", PaddedJpeg(10_000)) });
        }

        try
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Options = NoEvidence, Image = Image("3-mb", PaddedJpeg(3_000_000)) });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call while the oversized message is still being sent; its status comes below.
        }

        List<string> answered = [];
        RpcException ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (ScoreStreamResponse response in call.ResponseStream.ReadAllAsync())
            {
                Assert.NotEmpty(response.Result.Scores);
                answered.Add(response.Result.Id);
            }
        });

        Assert.Equal(["small-0", "small-1", "small-2"], answered.Order());
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("message 4 of this stream; the 3 images before it were answered", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("33554432")]
    [InlineData("33554433")]
    public void ApiMaxMessageBytes_WithoutRoomForTheLargestImage_StopsStartUpNamingBothSettings(string maxMessageBytes)
    {
        using DetectorHostFactory factory = new(new Dictionary<string, string?> { ["Api:MaxMessageBytes"] = maxMessageBytes });

        Exception ex = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("Api:MaxMessageBytes must exceed Imaging:MaxBytes", ex.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The host over Kestrel on 127.0.0.1, with a client whose own limits are out of the way.</summary>
    private sealed class KestrelHost : IAsyncDisposable
    {
        private readonly DetectorHostFactory _factory;
        private readonly GrpcChannel _channel;

        private KestrelHost(DetectorHostFactory factory)
        {
            _factory = factory;
            _channel = GrpcChannel.ForAddress(factory.StartKestrel(), new GrpcChannelOptions { MaxSendMessageSize = null });
            Client = DetectorHostFactory.CreateClient(_channel);
        }

        public DetectorService.DetectorServiceClient Client { get; }

        public static async Task<KestrelHost> StartAsync(Dictionary<string, string?>? settings = null)
        {
            KestrelHost host = new(new DetectorHostFactory(settings));
            await host._factory.WaitUntilServingAsync(host._channel);
            return host;
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await _factory.DisposeAsync();
        }
    }
}
