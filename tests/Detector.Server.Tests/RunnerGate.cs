using System.Collections.Concurrent;
using Detector.Engine.Hosting;
using Detector.Engine.Inference;
using Detector.Engine.Scoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Detector.Server.Tests;

/// <summary>
/// Holds the host's model runs (warm-up included) at a gate, a sync point with no sleeps: <see cref="Install"/> replaces
/// the host's <see cref="ModelHost"/> with one whose runners pass through here.
/// </summary>
internal sealed class RunnerGate
{
    private readonly ConcurrentQueue<TaskCompletionSource> _holds = new();

    /// <summary>Released each time a held run has started and waits at its gate.</summary>
    public SemaphoreSlim Held { get; } = new(0);

    /// <summary>The next run of any model waits until the returned source completes.</summary>
    public TaskCompletionSource HoldNextRun()
    {
        TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _holds.Enqueue(gate);
        return gate;
    }

    public void Install(IServiceCollection services)
    {
        services.RemoveAll<ModelHost>();
        services.AddSingleton(sp => EngineServiceCollectionExtensions.CreateModelHost(sp, inner => new GatedRunner(inner, this)));
    }

    private sealed class GatedRunner(IModelRunner inner, RunnerGate owner) : IModelRunner
    {
        public (float[] Output, int PerImage) Run(Memory<float> input, int batchSize, int height, int width)
        {
            if (owner._holds.TryDequeue(out TaskCompletionSource? gate))
            {
                owner.Held.Release();
                gate.Task.GetAwaiter().GetResult();
            }

            return inner.Run(input, batchSize, height, width);
        }
    }
}
