using Detector.Engine.Batching;
using Detector.Engine.Scoring;
using Detector.Engine.Telemetry;
using Detector.Imaging.Decoding;
using Detector.TestSupport;

namespace Detector.Engine.Tests.Scoring;

public sealed class ModelHostDrainTests : IDisposable
{
    private readonly TestModelFolder _folder = new();

    public ModelHostDrainTests() => _folder.AddTinyModel("tiny");

    public void Dispose() => _folder.Dispose();

    private ModelHost CreateHost() => TinyModelHost.Create(_folder.Root);

    [Fact]
    public async Task BeginDrain_AfterWarmUp_NotReadyAndDrainStartedIsSignalled()
    {
        await using ModelHost host = CreateHost();
        host.WarmUp();
        Assert.True(host.IsReady);
        Assert.False(host.DrainStarted.IsCancellationRequested);

        host.BeginDrain();
        host.BeginDrain(); // a second stop signal is harmless

        Assert.False(host.IsReady);
        Assert.True(host.IsDraining);
        Assert.True(host.DrainStarted.IsCancellationRequested);
    }

    [Fact]
    public async Task WarmUp_FinishingAfterADrainStarted_DoesNotReportReady()
    {
        await using ModelHost host = CreateHost();

        host.BeginDrain();
        host.WarmUp();

        Assert.False(host.IsReady);
    }

    [Fact]
    public async Task BeginDrain_AfterDispose_DoesNotThrow()
    {
        ModelHost host = CreateHost();
        await host.DisposeAsync();

        host.BeginDrain();

        Assert.True(host.IsDraining);
    }

    [Fact]
    public async Task EnsureAccepting_FollowsTheHost_NotReadyThenAcceptingThenStopping()
    {
        await using ModelHost host = CreateHost();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ImageSharpDecoder(new ImagingOptions()), pool);

        Assert.Throws<EngineNotReadyException>(() => engine.EnsureAccepting(host.Defaults, 1));
        host.WarmUp();
        engine.EnsureAccepting(host.Defaults, 1);
        host.BeginDrain();
        Assert.Throws<ServiceStoppingException>(() => engine.EnsureAccepting(host.Defaults, 1));
    }

    [Fact]
    public async Task Refusals_WhileWarmingUpAndStopping_CountedAsUnavailablePerImageAndModel()
    {
        // Its own model name: the counters are process-wide and other test classes use "tiny".
        const string Model = "unavailable-probe";
        _folder.AddTinyModel(Model);
        await using ModelHost host = CreateHost();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ImageSharpDecoder(new ImagingOptions()), pool);
        IReadOnlyList<LoadedModel> models = engine.ResolveModels([Model]);
        double before = EngineMetrics.Requests.WithLabels(Model, EngineMetrics.Outcome.Unavailable).Value;
        ScoringRequest request = new("img", TestImages.SolidPng(8, 8, 1, 2, 3), [Model], WorkPriority.Interactive, null, EvidenceScope.None);

        await Assert.ThrowsAsync<EngineNotReadyException>(() => engine.ScoreAsync(request, CancellationToken.None)); // 1
        Assert.Throws<EngineNotReadyException>(() => engine.EnsureAccepting(models, 5));                            // a batch of 5
        host.WarmUp();
        host.BeginDrain();
        await Assert.ThrowsAsync<ServiceStoppingException>(() => engine.ScoreAsync(request, CancellationToken.None)); // 1

        Assert.Equal(before + 7, EngineMetrics.Requests.WithLabels(Model, EngineMetrics.Outcome.Unavailable).Value);
    }
}
