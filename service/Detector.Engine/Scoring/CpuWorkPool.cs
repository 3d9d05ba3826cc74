namespace Detector.Engine.Scoring;

/// <summary>Options of the decode/preprocess pool.</summary>
public sealed class WorkPoolOptions
{
    public const string SectionName = "WorkPool";

    /// <summary>Images decoded or preprocessed at once. Default 0 = one per core.</summary>
    public int Workers { get; set; }
}

/// <summary>
/// Bounds CPU-heavy image work (decode, resize, normalise) to one job per core, apart from ONNX Runtime's own
/// inference threads, so a burst of large images queues here instead of oversubscribing the machine.
/// </summary>
public sealed class CpuWorkPool : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;

    public CpuWorkPool(int workers)
    {
        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        _slots = new SemaphoreSlim(Workers, Workers);
    }

    public int Workers { get; }

    /// <summary>Images waiting for a worker.</summary>
    public int Waiting => Math.Max(0, Volatile.Read(ref _waiting));

    public async Task<T> RunAsync<TState, T>(Func<TState, T> work, TState state, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        Telemetry.EngineMetrics.WorkerWaiting.Inc();
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            Telemetry.EngineMetrics.WorkerWaiting.Dec();
        }

        try
        {
            // Leave the caller's thread for the thread pool: the work is synchronous and CPU-bound. Task.Yield would post
            // to the caller's SynchronizationContext when it has one, and run the work on that context's few threads.
            if (!Thread.CurrentThread.IsThreadPoolThread || SynchronizationContext.Current is not null)
            {
                await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            }

            return work(state);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
