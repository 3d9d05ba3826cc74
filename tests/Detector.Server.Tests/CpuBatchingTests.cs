using Detector.Api.V1;
using Detector.Engine.Scoring;
using Detector.Engine.Telemetry;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Detector.Server.Tests;

/// <summary>
/// Batching brought back on CPU with <c>Batching:CpuMaxBatchSize=0</c>: the manifest's maximum, the same scores. The
/// model is this class's own (the counters are process-wide), and its runs can be held at a gate.
/// </summary>
public sealed class CpuBatchingTests : HostTestBase
{
    private const string Model = "cpu-batching";
    private static readonly double RedScore = TestModelFolder.TinyRedScore;
    private static readonly double BlueScore = TestModelFolder.TinyBlueScore;
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly RunnerGate _gate;

    public CpuBatchingTests()
        : this(new RunnerGate())
    {
    }

    private CpuBatchingTests(RunnerGate gate)
        : base(new DetectorHostFactory(
            new Dictionary<string, string?> { ["Batching:CpuMaxBatchSize"] = "0", ["Batching:MaxDelayMilliseconds"] = "20" },
            addModels: m => m.AddTinyModel(Model),
            services: gate.Install))
    {
        _gate = gate;
    }

    [Fact]
    public async Task ListModels_CpuMaxBatchSizeZero_ReportsTheManifestsMaximum()
    {
        ListModelsResponse response = await Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal(8, Assert.Single(response.Models, m => m.Name == Model).MaxBatchSize);
    }

    [Fact]
    public async Task ScoreBatch_BatchingOnCpu_ImagesQueuedBehindABusyModelRunAsOneBatchWithTheModelsScores()
    {
        // Arrange: the model is held on the call's first batch (one image, or more if the first decodes arrived together),
        // so the rest of the nine wait in its queue together.
        ModelHost host = Factory.Services.GetRequiredService<ModelHost>();
        double batchesBefore = EngineMetrics.Batches.WithLabels(Model).Value;
        double inferredBefore = EngineMetrics.ImagesInferred.WithLabels(Model).Value;
        ScoreBatchRequest request = new();
        for (int i = 0; i < 9; i++)
        {
            byte[] png = i % 2 == 0 ? TestImages.SolidPng(20, 20, 255, 0, 0) : TestImages.SolidPng(20, 20, 0, 0, 255);
            request.Images.Add(new ImageInput { Id = $"img-{i}", Data = ByteString.CopyFrom(png) });
        }

        TaskCompletionSource gate = _gate.HoldNextRun();
        AsyncUnaryCall<ScoreBatchResponse> call = Client.ScoreBatchAsync(request);
        Assert.True(await _gate.Held.WaitAsync(WaitLimit));
        using (CancellationTokenSource limit = new(WaitLimit))
        {
            while (host.Models[0].Batcher.InFlight + host.Models[0].Batcher.QueueDepth < 9)
            {
                await Task.Yield();
                limit.Token.ThrowIfCancellationRequested();
            }
        }

        // Act
        gate.SetResult();
        ScoreBatchResponse response = await call.ResponseAsync.WaitAsync(WaitLimit);

        // Assert: two batches for nine images (at most eight in one), so batches held more than one image.
        Assert.Equal(request.Images.Select(i => i.Id), response.Results.Select(r => r.Id));
        for (int i = 0; i < request.Images.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? RedScore : BlueScore, response.Results[i].Scores[0].Score, 5);
        }

        Assert.Equal(batchesBefore + 2, EngineMetrics.Batches.WithLabels(Model).Value);
        Assert.Equal(inferredBefore + 9, EngineMetrics.ImagesInferred.WithLabels(Model).Value);
    }
}
