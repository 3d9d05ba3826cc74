using System.Collections.Concurrent;
using Detector.Engine.Inference;

namespace Detector.Engine.Tests.Batching;

/// <summary>
/// A model runner for batcher tests. Each image's output is the first value of its tensor (a marker), so tests can see
/// which images reached the model. Batches can be held at a gate to keep an instance busy (a sync point, no sleeps).
/// </summary>
internal sealed class FakeRunner : IModelRunner
{
    private readonly ConcurrentQueue<TaskCompletionSource> _gates = new();

    public ConcurrentQueue<float[]> Batches { get; } = new();

    public ConcurrentQueue<int> PaddedSizes { get; } = new();

    /// <summary>Signalled each time a batch enters Run (before any gate).</summary>
    public SemaphoreSlim Entered { get; } = new(0);

    /// <summary>The next batch blocks until the returned source is completed.</summary>
    public TaskCompletionSource HoldNextBatch()
    {
        TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _gates.Enqueue(gate);
        return gate;
    }

    public (float[] Output, int PerImage) Run(Memory<float> input, int batchSize, int height, int width)
    {
        int per = input.Length / batchSize;
        float[] markers = new float[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            markers[i] = input.Span[i * per];
        }

        PaddedSizes.Enqueue(batchSize);
        Entered.Release();
        if (_gates.TryDequeue(out TaskCompletionSource? gate))
        {
            gate.Task.GetAwaiter().GetResult();
        }

        Batches.Enqueue(markers);
        return (markers, 1);
    }
}
