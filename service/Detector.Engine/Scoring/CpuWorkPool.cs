using Detector.Engine.Batching;
using Detector.Engine.Telemetry;

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
/// <remarks>
/// Waiting images are served interactive first, as in the batchers: on a CPU machine decoding is most of the work, so
/// an investigator's single image would otherwise wait behind every bulk image admitted before it. Bulk is not starved:
/// when both wait, every fourth free worker goes to bulk.
/// </remarks>
public sealed class CpuWorkPool : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<Waiter> _interactive = new();
    private readonly Queue<Waiter> _bulk = new();
    private int _free;
    private int _waiting;
    private BulkShare _bulkShare;

    public CpuWorkPool(int workers)
    {
        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        _free = Workers;
    }

    public int Workers { get; }

    /// <summary>Images waiting for a worker.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Runs <paramref name="work"/> as interactive work.</summary>
    public Task<T> RunAsync<TState, T>(Func<TState, T> work, TState state, CancellationToken cancellationToken) =>
        RunAsync(work, state, WorkPriority.Interactive, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> once a worker is free, at once on the caller's thread-pool thread when one is free and
    /// nobody waits. Throws <see cref="OperationCanceledException"/> if cancelled while waiting (the work never runs).
    /// </summary>
    public async Task<T> RunAsync<TState, T>(Func<TState, T> work, TState state, WorkPriority priority, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Waiter? waiter = null;
        lock (_gate)
        {
            if (_free > 0 && _interactive.Count == 0 && _bulk.Count == 0)
            {
                _free--;
            }
            else
            {
                waiter = new Waiter(this);
                (priority == WorkPriority.Interactive ? _interactive : _bulk).Enqueue(waiter);
                Interlocked.Increment(ref _waiting);
                EngineMetrics.WorkerWaiting.Inc();
            }
        }

        if (waiter is not null)
        {
            await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            Release();
        }
    }

    /// <summary>Hands the worker to the next live waiter (interactive first, bulk's share kept), or frees it.</summary>
    private void Release()
    {
        // Under the lock, so that the share counts only waiters that really got the worker (a cancelled one is skipped
        // without using a turn); granting only queues the waiter's continuation, it runs nothing here.
        lock (_gate)
        {
            while (true)
            {
                DropCancelledAtHead(_interactive);
                DropCancelledAtHead(_bulk);
                if (_interactive.Count == 0 && _bulk.Count == 0)
                {
                    _free++;
                    return;
                }

                bool bulkWaiting = _bulk.Count > 0;
                bool bulkTurn = bulkWaiting && (_interactive.Count == 0 || _bulkShare.BulkFirst(room: 1, interactiveWaiting: true, bulkWaiting: true) == 1);
                Waiter next = bulkTurn ? _bulk.Dequeue() : _interactive.Dequeue();
                if (!next.TryGrant())
                {
                    continue; // cancelled since the look at the head
                }

                _bulkShare.Record(bulkWaiting, bulkTaken: bulkTurn);

                return;
            }
        }
    }

    private static void DropCancelledAtHead(Queue<Waiter> lane)
    {
        while (lane.TryPeek(out Waiter? head) && head.IsCancelled)
        {
            lane.Dequeue();
        }
    }

    private void LeftTheLine()
    {
        Interlocked.Decrement(ref _waiting);
        EngineMetrics.WorkerWaiting.Dec();
    }

    public void Dispose()
    {
        // Nothing to free: waiters hold no resources beyond their cancellation registrations, removed as they leave.
    }

    /// <summary>One image waiting for a worker. Granted or cancelled, once.</summary>
    private sealed class Waiter(CpuWorkPool pool)
    {
        private const int Waiting = 0;
        private const int Granted = 1;
        private const int Cancelled = 2;

        private readonly TaskCompletionSource _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        public async Task WaitAsync(CancellationToken cancellationToken)
        {
            using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
                static (s, ct) => ((Waiter)s!).Cancel(ct),
                this);
            await _turn.Task.ConfigureAwait(false);
        }

        public bool IsCancelled => Volatile.Read(ref _state) == Cancelled;

        public bool TryGrant()
        {
            if (Interlocked.CompareExchange(ref _state, Granted, Waiting) != Waiting)
            {
                return false;
            }

            pool.LeftTheLine();
            _turn.SetResult();
            return true;
        }

        /// <summary>Leaves the line; the queue keeps a ghost that <see cref="TryGrant"/> refuses.</summary>
        private void Cancel(CancellationToken cancellationToken)
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting)
            {
                pool.LeftTheLine();
                _turn.SetCanceled(cancellationToken);
            }
        }
    }
}
