extern alias server;

using Detector.Api.V1;
using Detector.Engine.Batching;
using Detector.Engine.Scoring;
using Detector.Engine.Telemetry;
using Detector.Imaging.Decoding;
using Detector.Server.Api;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using ServerApi = server::Detector.Api.V1;

namespace Detector.Server.Tests;

public sealed class FlowControlAndShutdownTests
{
    /// <summary>Counts how far the server has read ahead of what it has answered.</summary>
    private sealed class CountingStream(int count) : IAsyncStreamReader<ServerApi.ScoreStreamRequest>, IServerStreamWriter<ServerApi.ScoreStreamResponse>
    {
        private readonly byte[] _png = TestImages.SolidPng(16, 16, 255, 0, 0);
        private int _read;
        private int _written;

        public int MaxAhead { get; private set; }

        public int Written => Volatile.Read(ref _written);

        public ServerApi.ScoreStreamRequest Current { get; private set; } = new();

        public WriteOptions? WriteOptions { get; set; }

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_read == count)
            {
                return Task.FromResult(false);
            }

            _read++;
            MaxAhead = Math.Max(MaxAhead, _read - Volatile.Read(ref _written));
            Current = new ServerApi.ScoreStreamRequest { Image = new ServerApi.ImageInput { Id = $"i{_read}", Data = ByteString.CopyFrom(_png) } };
            return Task.FromResult(true);
        }

        public Task WriteAsync(ServerApi.ScoreStreamResponse message)
        {
            Assert.Equal(0, message.Result.Status.Code);
            Interlocked.Increment(ref _written);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task ScoreStream_FastProducer_ServerNeverReadsMoreThanTheInFlightLimitAhead()
    {
        await using DirectService direct = new(new ApiOptions { MaxInFlightPerStream = 3 });
        CountingStream stream = new(200);

        await direct.Service.ScoreStream(stream, stream, new FakeServerCallContext());

        Assert.Equal(200, stream.Written);
        // Messages read but not yet answered never exceed the in-flight limit.
        Assert.InRange(stream.MaxAhead, 1, 3);
    }

    [Fact]
    public void ToStatus_QueueFull_IsResourceExhaustedWithRetryPushbackTrailer()
    {
        Status status = GrpcErrors.ToStatus(new QueueFullException("m", 8, TimeSpan.FromMilliseconds(250)), out Metadata? trailers);

        Assert.Equal(StatusCode.ResourceExhausted, status.StatusCode);
        Assert.Contains("queue limit", status.Detail, StringComparison.Ordinal);
        Assert.Equal("250", trailers!.GetValue(GrpcErrors.RetryPushbackTrailer));
    }

    [Theory]
    [InlineData(typeof(ServiceStoppingException), StatusCode.Unavailable)]
    [InlineData(typeof(EngineNotReadyException), StatusCode.Unavailable)]
    [InlineData(typeof(OperationCanceledException), StatusCode.Cancelled)]
    [InlineData(typeof(InvalidOperationException), StatusCode.Internal)]
    public void ToStatus_EngineFailures_MapToTheirCodes(Type exceptionType, StatusCode expected)
    {
        Exception ex = (Exception)Activator.CreateInstance(exceptionType)!;

        Status status = GrpcErrors.ToStatus(ex, out _);

        Assert.Equal(expected, status.StatusCode);
        if (expected == StatusCode.Internal)
        {
            // Unexpected failures never leak their details to clients.
            Assert.DoesNotContain(ex.Message, status.Detail, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The real host over Kestrel (graceful stop needs a real server) with a 5 s drain delay on a fake clock: the delay
    /// lasts until the test ends it, however slow the machine is.
    /// </summary>
    private sealed class StoppableHost : IAsyncDisposable
    {
        private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(5);
        private readonly Grpc.Net.Client.GrpcChannel _channel;
        private Task? _stopping;

        private StoppableHost(DetectorHostFactory factory, FakeTimeProvider clock)
        {
            Factory = factory;
            Clock = clock;
            _channel = Grpc.Net.Client.GrpcChannel.ForAddress(factory.StartKestrel());
            Client = DetectorHostFactory.CreateClient(_channel);
        }

        public DetectorHostFactory Factory { get; }

        public FakeTimeProvider Clock { get; }

        public DetectorService.DetectorServiceClient Client { get; }

        public Grpc.Health.V1.Health.HealthClient Health => new(_channel);

        public bool StopCompleted => _stopping?.IsCompleted ?? false;

        public static async Task<StoppableHost> StartAsync(Dictionary<string, string?>? settings = null, Action<TestModelFolder>? addModels = null, Action<IServiceCollection>? services = null)
        {
            FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
            settings ??= [];
            settings["Shutdown:DrainDelaySeconds"] = DrainDelay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            StoppableHost host = new(new DetectorHostFactory(settings, addModels, s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                services?.Invoke(s);
            }), clock);
            await host.Factory.WaitUntilServingAsync(host._channel);
            return host;
        }

        /// <summary>What SIGTERM does: the stop signal, then the host's stop, which waits out the drain delay.</summary>
        public void BeginStop()
        {
            Factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            _stopping = Factory.Services.GetRequiredService<IHost>().StopAsync();
        }

        /// <summary>Ends the drain delay; the stop then completes.</summary>
        public async Task EndDrainDelayAsync()
        {
            Clock.Advance(DrainDelay);
            await WaitForStopAsync();
        }

        /// <summary>Ends the drain delay without waiting: the stop goes on to Kestrel's and the engine's own.</summary>
        public void PassDrainDelay() => Clock.Advance(DrainDelay);

        public Task WaitForStopAsync() => _stopping!.WaitAsync(TimeSpan.FromSeconds(30));

        /// <summary>Whether the gRPC listener still accepts connections (Kestrel closes it when its stop begins).</summary>
        public async Task<bool> ListenerOpenAsync()
        {
            using System.Net.Sockets.TcpClient probe = new();
            try
            {
                await probe.ConnectAsync(Factory.KestrelAddress!.Host, Factory.KestrelAddress.Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await Factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task StopApplication_WhileRequestsAreRunning_EveryRequestIsAnsweredOrRefusedNoneLost()
    {
        // The drain delay keeps the listener open after admission closed, so calls still on their way are refused by
        // the service (UNAVAILABLE) instead of meeting a closing connection (INTERNAL on the .NET client). Without it
        // this test failed in roughly one run of ten to twelve on two busy cores (counted by hand, not recorded): a whole connection's 100 calls ended INTERNAL.
        // The queue counts images from arrival: room for all 300, so that each is either accepted or refused by the stop.
        await using StoppableHost server = await StoppableHost.StartAsync(new() { ["Batching:MaxDelayMilliseconds"] = "0", ["Batching:QueueCapacity"] = "512" });
        byte[] image = TestImages.Textured(256, 256, jpeg: true);

        Task<(StatusCode Code, string Detail)>[] calls = Enumerable.Range(0, 300).Select(i => CallAsync(server.Client, image, i)).ToArray();
        await Task.WhenAny(calls);
        server.BeginStop();
        (StatusCode Code, string Detail)[] outcomes = await Task.WhenAll(calls);

        // Accepted images are answered (OK); images arriving after the stop began are refused (UNAVAILABLE), never lost.
        Assert.All(outcomes, o => Assert.True(o.Code is StatusCode.OK or StatusCode.Unavailable, $"unexpected {o.Code}: {o.Detail}"));
        Assert.Contains(outcomes, o => o.Code == StatusCode.OK);
        Assert.True(server.Factory.Services.GetRequiredService<ModelHost>().IsDraining);
        Assert.False(server.StopCompleted);
        await server.EndDrainDelayAsync();
    }

    [Fact]
    public async Task Stop_WithAcceptedImagesHeldInDecodeAndWaitingForAWorker_AnswersEachAfterTheStopBeganLosesNone()
    {
        // Arrange: one decode worker, held at a gate: the first image decodes (and stays there), the next ones wait for
        // the worker. All of them are admitted, so all are accepted. The model's name is this test's own: the counters are
        // process-wide.
        const string Model = "drain-probe";
        using GatedDecoder decoder = new();
        await using StoppableHost server = await StoppableHost.StartAsync(
            new() { ["WorkPool:Workers"] = "1" },
            models => models.AddTinyModel(Model),
            services => services.AddSingleton<IImageDecoder>(decoder));
        ModelHost host = server.Factory.Services.GetRequiredService<ModelHost>();
        ModelBatcher batcher = host.Models.Single().Batcher;
        double successBefore = EngineMetrics.Requests.WithLabels(Model, EngineMetrics.Outcome.Success).Value;
        byte[] image = TestImages.Textured(64, 64, jpeg: true);
        const int Accepted = 5;
        Task<(StatusCode Code, string Detail)>[] calls = [.. Enumerable.Range(0, Accepted).Select(i => CallAsync(server.Client, image, i))];
        while (batcher.QueueDepth < Accepted)
        {
            await Task.Delay(10); // polling a sync point, not timing anything
        }

        Assert.True(await decoder.Entered.WaitAsync(TimeSpan.FromSeconds(30)));

        // Act: the whole stop: admission closes, the drain delay passes, Kestrel closes its listener and waits.
        server.BeginStop();
        (StatusCode lateCode, string lateDetail) = await CallAsync(server.Client, image, Accepted);
        server.PassDrainDelay();
        while (await server.ListenerOpenAsync())
        {
            await Task.Delay(10);
        }

        // Assert: the stop waits for the accepted images, which are all answered once the decoder is released.
        Assert.Equal(StatusCode.Unavailable, lateCode);
        Assert.Contains("shutting down", lateDetail, StringComparison.Ordinal);
        Assert.False(server.StopCompleted);
        Assert.DoesNotContain(calls, c => c.IsCompleted);
        decoder.Release.Set();
        (StatusCode Code, string Detail)[] outcomes = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        await server.WaitForStopAsync();
        Assert.All(outcomes, o => Assert.True(o.Code == StatusCode.OK, $"an accepted image was lost: {o.Code} {o.Detail}"));
        Assert.Equal(successBefore + Accepted, EngineMetrics.Requests.WithLabels(Model, EngineMetrics.Outcome.Success).Value);
        Assert.Equal(0, batcher.QueueDepth);
    }

    /// <summary>The real decoder behind a gate: the first decode signals and every decode waits until released.</summary>
    private sealed class GatedDecoder : IImageDecoder, IDisposable
    {
        private readonly ImageSharpDecoder _inner = new(new ImagingOptions());

        public SemaphoreSlim Entered { get; } = new(0);

        public ManualResetEventSlim Release { get; } = new();

        public ImageHeader Identify(ReadOnlyMemory<byte> data) => _inner.Identify(data);

        public DecodedImage Decode(ReadOnlyMemory<byte> data)
        {
            Entered.Release();
            Release.Wait();
            return _inner.Decode(data);
        }

        public void Dispose()
        {
            Entered.Dispose();
            Release.Dispose();
        }
    }

    [Fact]
    public async Task StopApplication_DuringTheDrainDelay_HealthIsNotServingAndNewCallsAreRefusedByTheService()
    {
        await using StoppableHost server = await StoppableHost.StartAsync();
        byte[] image = TestImages.Textured(64, 64, jpeg: true);
        Assert.Equal(StatusCode.OK, (await CallAsync(server.Client, image, 0)).Code);

        server.BeginStop();

        // The listener is still open: the service itself answers, with reasons a client can act on.
        Grpc.Health.V1.HealthCheckResponse health = await server.Health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "detector.v1.DetectorService" });
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        (StatusCode code, string detail) = await CallAsync(server.Client, image, 1);
        Assert.Equal(StatusCode.Unavailable, code);
        Assert.Contains("shutting down", detail, StringComparison.Ordinal);

        // Bulk calls are refused as a whole, so that clients' retry policies (which see call statuses only) act on it.
        RpcException batch = await Assert.ThrowsAsync<RpcException>(() => server.Client.ScoreBatchAsync(
            new ScoreBatchRequest { Images = { new ImageInput { Id = "b", Data = ByteString.CopyFrom(image) } } }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, batch.StatusCode);
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> stream = server.Client.ScoreStream();
        RpcException streamRefused = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, streamRefused.StatusCode);
        Assert.Contains("shutting down", streamRefused.Status.Detail, StringComparison.Ordinal);
        Assert.False(server.StopCompleted);
        await server.EndDrainDelayAsync();
    }

    [Fact]
    public async Task StopApplication_WithAnIdleStreamOpen_TheStreamEndsUnavailableAfterAnsweringWhatItRead()
    {
        await using StoppableHost server = await StoppableHost.StartAsync();
        ByteString image = ByteString.CopyFrom(TestImages.Textured(64, 64, jpeg: true));
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = server.Client.ScoreStream();
        for (int i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = new ImageInput { Id = $"i{i}", Data = image } });
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(0, call.ResponseStream.Current.Result.Status.Code);
        }

        // The client keeps its stream open and sends nothing more: the drain ends the stream anyway, with a reason.
        server.BeginStop();
        RpcException ended = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("shutting down: this stream was closed after 3 images", ended.Status.Detail, StringComparison.Ordinal);
        Assert.False(server.StopCompleted);
        await server.EndDrainDelayAsync();
    }

    private static async Task<(StatusCode Code, string Detail)> CallAsync(DetectorService.DetectorServiceClient client, byte[] image, int i)
    {
        try
        {
            ScoreResponse response = await client.ScoreAsync(new ScoreRequest { Image = new ImageInput { Id = $"i{i}", Data = ByteString.CopyFrom(image) } });
            Assert.Single(response.Result.Scores);
            return (StatusCode.OK, "");
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
    }
}
