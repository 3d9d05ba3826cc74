using Detector.Engine.Batching;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Detector.Engine.Tests.Scoring;

public sealed class ModelHostDrainTests
{
    private static ModelHost CreateHost(TestModelFolder folder) => new(
        ModelRepository.Load(new ModelRepositoryOptions { Directory = folder.Root }),
        new InferenceOptions { ExecutionProvider = "cpu" },
        new BatchingOptions(),
        new OrtExecutionProviderProbe(),
        TimeProvider.System,
        NullLogger<ModelHost>.Instance);

    [Fact]
    public async Task BeginDrain_AfterWarmUp_NotReadyAndDrainStartedIsSignalled()
    {
        using TestModelFolder folder = new();
        folder.AddTinyModel("tiny");
        await using ModelHost host = CreateHost(folder);
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
        using TestModelFolder folder = new();
        folder.AddTinyModel("tiny");
        await using ModelHost host = CreateHost(folder);

        host.BeginDrain();
        host.WarmUp();

        Assert.False(host.IsReady);
    }

    [Fact]
    public async Task BeginDrain_AfterDispose_DoesNotThrow()
    {
        using TestModelFolder folder = new();
        folder.AddTinyModel("tiny");
        ModelHost host = CreateHost(folder);
        await host.DisposeAsync();

        host.BeginDrain();

        Assert.True(host.IsDraining);
    }
}
