using System.Globalization;
using Detector.Api.V1;
using Detector.Engine.Scoring;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Detector.Server.Tests;

/// <summary>
/// A full model queue over gRPC: one image held in the model, one waiting (Batching:QueueCapacity=1), so the next is
/// refused. The model is this class's own: the counters are process-wide.
/// </summary>
public sealed class QueueFullTests
{
    private const string Model = "queue-full-probe";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static ImageInput Image(string id) => new() { Id = id, Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 255, 0, 0)) };

    [Fact]
    public async Task QueueFull_ScoreGetsTheRetryTrailer_BulkItemsTheHintInTheirMessage_EachCountedRejected()
    {
        // Arrange: one image held in the model, one waiting in its queue of one.
        RunnerGate gates = new();
        await using DetectorHostFactory factory = new(
            new Dictionary<string, string?> { ["Batching:QueueCapacity"] = "1", ["Batching:Instances"] = "1" },
            addModels: m => m.AddTinyModel(Model),
            services: gates.Install);
        using Grpc.Net.Client.GrpcChannel channel = factory.CreateChannel();
        await factory.WaitUntilServingAsync(channel);
        DetectorService.DetectorServiceClient client = DetectorHostFactory.CreateClient(channel);
        ModelHost host = factory.Services.GetRequiredService<ModelHost>();
        double rejectedBefore = await MetricsScrape.RequestsAsync(factory, Model, "rejected");
        TaskCompletionSource gate = gates.HoldNextRun();
        AsyncUnaryCall<ScoreResponse> running = client.ScoreAsync(new ScoreRequest { Image = Image("running") });
        Assert.True(await gates.Held.WaitAsync(WaitLimit));
        AsyncUnaryCall<ScoreResponse> queued = client.ScoreAsync(new ScoreRequest { Image = Image("queued") });
        using (CancellationTokenSource limit = new(WaitLimit))
        {
            while (host.Models[0].Batcher.QueueDepth < 1)
            {
                await Task.Yield();
                limit.Token.ThrowIfCancellationRequested();
            }
        }

        // Act
        RpcException score = await Assert.ThrowsAsync<RpcException>(() => client.ScoreAsync(new ScoreRequest { Image = Image("score") }).ResponseAsync);
        ScoreBatchResponse batch = await client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Image("batch") } });
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> stream = client.ScoreStream();
        await stream.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image("stream") });
        await stream.RequestStream.CompleteAsync();
        ImageResult streamed = Assert.Single(await ScoringApiTests.ReadAllAsync(stream.ResponseStream));
        double rejectedAfter = await MetricsScrape.RequestsAsync(factory, Model, "rejected");
        gate.SetResult();

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, score.StatusCode);
        string? pushback = score.Trailers.GetValue("grpc-retry-pushback-ms");
        Assert.NotNull(pushback);
        Assert.True(long.Parse(pushback, CultureInfo.InvariantCulture) > 0, $"pushback {pushback}");
        foreach (ImageResult item in new[] { Assert.Single(batch.Results), streamed })
        {
            Assert.Equal((int)StatusCode.ResourceExhausted, item.Status.Code);
            Assert.Matches(@"queue limit\); retry after [1-9][0-9]* ms$", item.Status.Message);
        }

        Assert.Equal(rejectedBefore + 3, rejectedAfter);
        Assert.Equal(0, (await running.ResponseAsync.WaitAsync(WaitLimit)).Result.Status.Code);
        Assert.Equal(0, (await queued.ResponseAsync.WaitAsync(WaitLimit)).Result.Status.Code);
    }
}
