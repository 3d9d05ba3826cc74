using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Detector.Engine.Inference;
using Detector.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace Detector.Engine.Batching;

/// <summary>
/// Turns concurrent single-image requests for one model into batches (a dynamic batcher in the manner of Triton's).
/// <list type="bullet">
/// <item>The queue is bounded in images, counted from admission: an image takes its place with <see cref="Admit"/> when it
/// arrives, before it waits for a decode worker, and keeps it until its batch runs. Admission past
/// <see cref="ModelBatchingSettings.QueueCapacity"/> fails at once with <see cref="QueueFullException"/>, so overload is
/// refused on arrival instead of queued forever or decoded only to be refused.</item>
/// <item>A batch runs as soon as it is full; otherwise, when a burst is arriving or another instance is busy, it is topped up
/// until the oldest image has waited <see cref="ModelBatchingSettings.MaxDelay"/>. A lone image reaching an idle model runs at once.</item>
/// <item>Cancelled and expired requests leave the queue when that happens (not when a batch forms) and never reach the model;
/// a batch whose images were all abandoned is not run.</item>
/// <item>Interactive images go first, but bulk keeps a quarter of each batch (or every fourth single-image batch).</item>
/// </list>
/// Owns every tensor handed to <c>EnqueueAsync</c> and returns it to <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
public sealed class ModelBatcher : IAsyncDisposable
{
    // The longest a timer can be due (uint milliseconds less one, about 49.7 days); TimeProvider.System refuses more.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly string _model;
    private readonly IModelRunner _runner;
    private readonly ModelBatchingSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Queue<BatchItem> _interactive = new();
    private readonly Queue<BatchItem> _bulk = new();

    // A doorbell, not a queue: one pending ring is enough to wake a sleeping instance.
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task[] _instances;
    private readonly Prometheus.Gauge.Child _depthGauge;

    // Images admitted and not yet in a running batch (waiting for a worker, decoding, or queued): the bounded count.
    private int _held;

    // Of those, images in the lanes: what the instances look at.
    private int _queued;
    private int _inFlight;
    private int _busyInstances;
    private BulkShare _bulkShare;
    private volatile bool _stopping;
    private volatile bool _closed;
    private volatile bool _toppingUp;
    private double _secondsPerImage = 0.01;

    public ModelBatcher(string model, IModelRunner runner, ModelBatchingSettings settings, TimeProvider time, ILogger logger)
    {
        _model = model;
        _runner = runner;
        _settings = settings;
        _time = time;
        _logger = logger;
        _depthGauge = EngineMetrics.QueueDepth.WithLabels(model);
        _instances = new Task[settings.Instances];
        for (int i = 0; i < _instances.Length; i++)
        {
            _instances[i] = Task.Run(RunInstanceAsync);
        }
    }

    public ModelBatchingSettings Settings => _settings;

    /// <summary>Images admitted and not yet in a running batch: waiting for a decode worker, decoding, or queued.</summary>
    public int QueueDepth => Volatile.Read(ref _held);

    /// <summary>A forming batch is waiting for more images, its max-delay timer armed (a sync point for tests on fake time).</summary>
    internal bool IsWaitingToTopUp => _toppingUp;

    /// <summary>Images in batches that are running.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Takes a place in the queue for an image that has just arrived, before it is decoded. Throws at once when the queue
    /// is full (<see cref="QueueFullException"/>; for bulk, when all but the last eighth is taken) or when stopping
    /// (<see cref="ServiceStoppingException"/>), each counted.
    /// The place is kept until the image's batch runs: pass the admission to <see cref="EnqueueAsync(Admission, float[], int, int, int, WorkPriority, DateTimeOffset?, CancellationToken)"/>,
    /// or release it when the image goes no further. An admitted image is answered even if a drain starts meanwhile.
    /// </summary>
    public Admission Admit(WorkPriority priority)
    {
        // Bulk may fill all but the last eighth of the queue: a pipeline's backlog must not refuse an investigator's image.
        // Compare-and-swap, not increment-then-check: a refused bulk image must not hold a place even for an instant, or
        // an interactive image arriving then would be refused with its reserve free.
        int limit = priority == WorkPriority.Interactive ? _settings.QueueCapacity : _settings.QueueCapacity - (_settings.QueueCapacity / 8);
        int held = Volatile.Read(ref _held);
        while (true)
        {
            if (held >= limit)
            {
                EngineMetrics.Requests.WithLabels(_model, EngineMetrics.Outcome.Rejected).Inc();
                throw new QueueFullException(_model, _settings.QueueCapacity, RetryAfter());
            }

            int seen = Interlocked.CompareExchange(ref _held, held + 1, held);
            if (seen == held)
            {
                break;
            }

            held = seen;
        }

        // Checked after counting the image, so that a drain that saw nothing held cannot miss it (see RunInstanceAsync).
        if (_stopping)
        {
            Leave();
            EngineMetrics.Requests.WithLabels(_model, EngineMetrics.Outcome.Unavailable).Inc();
            throw new ServiceStoppingException();
        }

        _depthGauge.Inc();
        return new Admission(this);
    }

    /// <summary>Admits and queues one preprocessed tensor (see <see cref="Admit"/>); the tensor is returned to the pool if refused.</summary>
    public Task<BatchResult> EnqueueAsync(float[] tensor, int tensorLength, int height, int width, WorkPriority priority, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Admission admission;
        try
        {
            admission = Admit(priority);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(tensor);
            throw;
        }

        return EnqueueAsync(admission, tensor, tensorLength, height, width, priority, deadline, cancellationToken);
    }

    /// <summary>
    /// Queues the preprocessed tensor of an admitted image. Throws at once when already cancelled or expired, or when the
    /// batcher was disposed (a stop that could not wait). The returned task fails with
    /// <see cref="OperationCanceledException"/> or <see cref="DeadlineExceededException"/> if the image is abandoned while it waits.
    /// </summary>
    public Task<BatchResult> EnqueueAsync(Admission admission, float[] tensor, int tensorLength, int height, int width, WorkPriority priority, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(tensor);
        if (admission.Owner != this || !admission.TryUse())
        {
            ArrayPool<float>.Shared.Return(tensor);
            throw new InvalidOperationException("the admission belongs to another model or was already used or released");
        }

        if (_closed)
        {
            LeaveAdmitted();
            ArrayPool<float>.Shared.Return(tensor);
            EngineMetrics.Requests.WithLabels(_model, EngineMetrics.Outcome.Unavailable).Inc();
            throw ServiceStoppingException.BeforeScored();
        }

        if (cancellationToken.IsCancellationRequested || (deadline is { } d && d <= _time.GetUtcNow()))
        {
            LeaveAdmitted();
            ArrayPool<float>.Shared.Return(tensor);
            EngineMetrics.Requests.WithLabels(_model, EngineMetrics.Outcome.ForAbandoned(deadline, _time.GetUtcNow())).Inc();
            cancellationToken.ThrowIfCancellationRequested();
            throw DeadlineExceededException.WhileQueued(_model);
        }

        BatchItem item = new(this, tensor, tensorLength, height, width, priority, _time.GetTimestamp());
        Interlocked.Increment(ref _queued);
        item.Arm(deadline, cancellationToken);
        bool queued = false;
        lock (_gate)
        {
            // A hard stop may have swept the lanes since the check above, its instances gone: never queue behind it.
            // DisposeAsync sets _closed before it sweeps under this lock, so either the sweep finds the image or the
            // image sees _closed here.
            if (!_closed)
            {
                (priority == WorkPriority.Interactive ? _interactive : _bulk).Enqueue(item);
                queued = true;
            }
        }

        if (!queued)
        {
            item.Abandon(ServiceStoppingException.BeforeScored());
            return item.Completion.Task;
        }

        Ring();
        return item.Completion.Task;
    }

    /// <summary>A queued image leaves the lanes (taken into a batch, or abandoned): it no longer waits, and its place is free.</summary>
    private void LeaveTheLane()
    {
        Interlocked.Decrement(ref _queued);
        LeaveAdmitted();
    }

    /// <summary>An admitted image leaves without having been queued, or leaves the queue: its place is free.</summary>
    private void LeaveAdmitted()
    {
        _depthGauge.Dec();
        Leave();
    }

    private void Leave()
    {
        Interlocked.Decrement(ref _held);
        if (_stopping)
        {
            Ring(); // a drain waits for the last held image
        }
    }

    /// <summary>Runs each warm-up batch size once with zero tensors, so the first real request does not pay for it.</summary>
    public IReadOnlyList<int> WarmUp(int height, int width, int perImage)
    {
        foreach (int size in _settings.WarmUpSizes)
        {
            float[] buffer = ArrayPool<float>.Shared.Rent(size * perImage);
            try
            {
                Array.Clear(buffer, 0, size * perImage);
                _runner.Run(buffer.AsMemory(0, size * perImage), size, height, width);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }

        return _settings.WarmUpSizes;
    }

    /// <summary>Stops admission, answers everything already accepted, then ends the instances.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        Ring();
        await Task.WhenAll(_instances).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _closed = true;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_instances).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: instances waiting for work are woken by the cancellation.
        }

        // Anything still queued after a hard stop is failed, never dropped silently.
        lock (_gate)
        {
            foreach (BatchItem item in _interactive.Concat(_bulk))
            {
                item.Abandon(ServiceStoppingException.BeforeScored());
            }

            _interactive.Clear();
            _bulk.Clear();
        }

        _shutdown.Dispose();
    }

    private TimeSpan RetryAfter()
    {
        double seconds = QueueDepth * Volatile.Read(ref _secondsPerImage) / _settings.Instances;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 0.05, 10));
    }

    private void Ring() => _doorbell.Writer.TryWrite(true);

    private async Task RunInstanceAsync()
    {
        List<BatchItem> batch = new(_settings.MaxBatchSize);
        while (true)
        {
            batch.Clear();
            TakeInto(batch, _settings.MaxBatchSize);
            if (batch.Count == 0)
            {
                // Admitted images still decoding will be queued: a drain waits for them too.
                if (_stopping && Volatile.Read(ref _held) == 0)
                {
                    Ring(); // wake the other instances so that they see the drain too
                    return;
                }

                await _doorbell.Reader.WaitToReadAsync(_shutdown.Token).ConfigureAwait(false);
                _doorbell.Reader.TryRead(out _);
                continue;
            }

            Interlocked.Increment(ref _busyInstances);
            try
            {
                if (batch.Count < _settings.MaxBatchSize && ShouldTopUp(batch.Count))
                {
                    await TopUpAsync(batch).ConfigureAwait(false);
                }

                if (Volatile.Read(ref _queued) > 0)
                {
                    Ring(); // more is waiting: let an idle instance start on it
                }

                Execute(batch);
            }
            finally
            {
                Interlocked.Decrement(ref _busyInstances);
            }
        }
    }

    /// <summary>Wait for more only when it is likely to pay: a burst is arriving, or another batch of this model is running.</summary>
    private bool ShouldTopUp(int taken) =>
        _settings.MaxDelay > TimeSpan.Zero && !_stopping && (taken > 1 || Volatile.Read(ref _busyInstances) > 1);

    private async Task TopUpAsync(List<BatchItem> batch)
    {
        long oldest = batch.Min(i => i.EnqueuedAt);
        while (!_stopping && DropAbandoned(batch) < _settings.MaxBatchSize)
        {
            TimeSpan remaining = _settings.MaxDelay - _time.GetElapsedTime(oldest);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            // A ring left over from images already taken would end the wait at once and arm the timer again later
            // (CI hung when a test advanced fake time in between): clear it first, then look at the queue.
            _doorbell.Reader.TryRead(out _);
            if (Volatile.Read(ref _queued) == 0)
            {
                using CancellationTokenSource wait = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
                Task rung = _doorbell.Reader.WaitToReadAsync(wait.Token).AsTask();
                Task expired = Task.Delay(remaining, _time, wait.Token);
                _toppingUp = true;
                await Task.WhenAny(rung, expired).ConfigureAwait(false);
                _toppingUp = false;
                await wait.CancelAsync().ConfigureAwait(false);
                _doorbell.Reader.TryRead(out _);
            }

            TakeInto(batch, _settings.MaxBatchSize - batch.Count);
        }
    }

    /// <summary>
    /// Removes the images abandoned (cancelled, expired) since they were taken into a forming batch, so that they do not
    /// hold places that live images could take; returns the live count.
    /// </summary>
    private static int DropAbandoned(List<BatchItem> batch)
    {
        batch.RemoveAll(static item =>
        {
            if (!item.IsAbandoned)
            {
                return false;
            }

            item.ReleaseTensor();
            return true;
        });
        return batch.Count;
    }

    /// <summary>Moves up to <paramref name="room"/> waiting images into <paramref name="batch"/>, interactive first with a bulk share.</summary>
    private void TakeInto(List<BatchItem> batch, int room)
    {
        if (room <= 0)
        {
            return;
        }

        lock (_gate)
        {
            bool bulkWaiting = _bulk.Count > 0;
            int before = batch.Count;
            int takenBulk = Take(_bulk, batch, _bulkShare.BulkFirst(room, _interactive.Count > 0, bulkWaiting));
            Take(_interactive, batch, room - (batch.Count - before));
            takenBulk += Take(_bulk, batch, room - (batch.Count - before));
            _bulkShare.Record(bulkWaiting, takenBulk > 0);
        }
    }

    private int Take(Queue<BatchItem> lane, List<BatchItem> batch, int count)
    {
        int taken = 0;
        while (taken < count && lane.TryDequeue(out BatchItem? item))
        {
            // Abandoned images are left in the lane as ghosts and skipped here.
            if (item.TryReserve())
            {
                LeaveTheLane();
                batch.Add(item);
                taken++;
            }
        }

        return taken;
    }

    private void Execute(List<BatchItem> batch)
    {
        // Last chance to drop images abandoned while the batch was being topped up.
        int live = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch[i].TryStart())
            {
                batch[live++] = batch[i];
            }
            else
            {
                batch[i].ReleaseTensor();
            }
        }

        batch.RemoveRange(live, batch.Count - live);
        if (live == 0)
        {
            return;
        }

        Interlocked.Add(ref _inFlight, live);
        BatchItem first = batch[0];
        int perImage = first.TensorLength;
        int padded = _settings.PaddedSize(live);

        float[]? buffer = null;
        try
        {
            // A batch of one runs on the image's own pooled tensor: no copy of it into a batch buffer. Taken inside the
            // try: if even this fails (out of memory), the batch's images fail instead of waiting for ever.
            buffer = padded == 1 ? first.TakeTensor() : ArrayPool<float>.Shared.Rent(padded * perImage);
            long startedAt = _time.GetTimestamp();
            for (int i = 0; i < live; i++)
            {
                if (padded > 1)
                {
                    batch[i].CopyTensorTo(buffer.AsSpan(i * perImage, perImage));
                }

                batch[i].QueueWait = _time.GetElapsedTime(batch[i].EnqueuedAt, startedAt);
                EngineMetrics.QueueWait.WithLabels(_model).Observe(batch[i].QueueWait.TotalSeconds);
            }

            Array.Clear(buffer, live * perImage, (padded - live) * perImage);
            long runStart = Stopwatch.GetTimestamp();
            (float[] output, int per) = _runner.Run(buffer.AsMemory(0, padded * perImage), padded, first.Height, first.Width);
            TimeSpan inference = Stopwatch.GetElapsedTime(runStart);

            EngineMetrics.Inference.WithLabels(_model).Observe(inference.TotalSeconds);
            EngineMetrics.Batches.WithLabels(_model).Inc();
            EngineMetrics.BatchSize.WithLabels(_model).Observe(live);
            EngineMetrics.ImagesInferred.WithLabels(_model).Inc(live);
            Volatile.Write(ref _secondsPerImage, (0.8 * Volatile.Read(ref _secondsPerImage)) + (0.2 * inference.TotalSeconds / live));

            BatchResult[] results = new BatchResult[live];
            for (int i = 0; i < live; i++)
            {
                results[i] = new BatchResult(output.AsSpan(i * per, per).ToArray(), batch[i].QueueWait, inference, live);
            }

            // Counted here, once, whether or not the caller is still there to read it (the outcome of an image that ran).
            EngineMetrics.Requests.WithLabels(_model, EngineMetrics.Outcome.Success).Inc(live);
            for (int i = 0; i < live; i++)
            {
                batch[i].Complete(results[i]);
            }
        }
        catch (Exception ex)
        {
            EngineLog.BatchFailed(_logger, ex, _model, live);
            foreach (BatchItem item in batch)
            {
                EngineMetrics.Requests.WithLabels(_model, EngineMetrics.Outcome.Failed).Inc();
                item.Fail(ex);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<float>.Shared.Return(buffer);
            }

            Interlocked.Add(ref _inFlight, -live);
        }
    }

    /// <summary>One waiting image. State moves Queued → Reserved → Running, or to Abandoned from Queued or Reserved.</summary>
    private sealed class BatchItem
    {
        private const int Queued = 0;
        private const int Reserved = 1;
        private const int Running = 2;
        private const int Abandoned = 3;

        private readonly ModelBatcher _owner;
        private float[]? _tensor;
        private int _state;
        private CancellationTokenRegistration _cancellation;
        private ITimer? _deadlineTimer;
        private DateTimeOffset? _deadline;
        private volatile bool _deadlineBeyondTimer;

        public BatchItem(ModelBatcher owner, float[] tensor, int tensorLength, int height, int width, WorkPriority priority, long enqueuedAt)
        {
            _owner = owner;
            _tensor = tensor;
            TensorLength = tensorLength;
            Height = height;
            Width = width;
            Priority = priority;
            EnqueuedAt = enqueuedAt;
        }

        public TaskCompletionSource<BatchResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int TensorLength { get; }

        public int Height { get; }

        public int Width { get; }

        public WorkPriority Priority { get; }

        public long EnqueuedAt { get; }

        public TimeSpan QueueWait { get; set; }

        public void Arm(DateTimeOffset? deadline, CancellationToken cancellationToken)
        {
            _deadline = deadline;
            if (deadline is { } d)
            {
                TimeSpan due = DueIn(d);
                _deadlineBeyondTimer = due == LongestTimer;
                _deadlineTimer = _owner._time.CreateTimer(static s => ((BatchItem)s!).OnDeadlineTimer(), this, due, Timeout.InfiniteTimeSpan);
            }

            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(
                    static (s, ct) => ((BatchItem)s!).Abandon(new OperationCanceledException(ct)),
                    this);
            }
        }

        /// <summary>
        /// Time until <paramref name="deadline"/>, at most <see cref="LongestTimer"/>: a timer cannot be due later (about 49.7
        /// days) and refuses longer, while gRPC accepts timeouts of up to 99999999 hours.
        /// </summary>
        private TimeSpan DueIn(DateTimeOffset deadline)
        {
            TimeSpan due = deadline - _owner._time.GetUtcNow();
            return due <= TimeSpan.Zero ? TimeSpan.Zero : due > LongestTimer ? LongestTimer : due;
        }

        private void OnDeadlineTimer()
        {
            DateTimeOffset deadline = _deadline!.Value;
            if (_deadlineBeyondTimer && deadline > _owner._time.GetUtcNow())
            {
                // A deadline further away than one timer reaches is waited for in steps.
                TimeSpan due = DueIn(deadline);
                _deadlineBeyondTimer = due == LongestTimer;
                try
                {
                    _deadlineTimer?.Change(due, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // The image left the queue meanwhile.
                }

                return;
            }

            Abandon(DeadlineExceededException.WhileQueued(_owner._model));
        }

        public bool TryReserve() => Interlocked.CompareExchange(ref _state, Reserved, Queued) == Queued;

        public bool IsAbandoned => Volatile.Read(ref _state) == Abandoned;

        public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Reserved) == Reserved;

        /// <summary>Hands the pooled tensor over to the caller, who returns it to the pool.</summary>
        public float[] TakeTensor() => Interlocked.Exchange(ref _tensor, null) ?? throw new InvalidOperationException("the tensor was already released");

        public void CopyTensorTo(Span<float> destination)
        {
            _tensor.AsSpan(0, TensorLength).CopyTo(destination);
            ReleaseTensor();
        }

        public void ReleaseTensor()
        {
            float[]? tensor = Interlocked.Exchange(ref _tensor, null);
            if (tensor is not null)
            {
                ArrayPool<float>.Shared.Return(tensor);
            }
        }

        /// <summary>Removes a waiting image (cancelled, expired, or stopping). No effect once its batch is running.</summary>
        public void Abandon(Exception reason)
        {
            int previous;
            do
            {
                previous = Volatile.Read(ref _state);
                if (previous is Running or Abandoned)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _state, Abandoned, previous) != previous);

            if (previous == Queued)
            {
                // Still counted in the queue: free its place now; the lane keeps a ghost that Take skips.
                _owner.LeaveTheLane();
                ReleaseTensor();
            }

            EngineMetrics.Requests.WithLabels(_owner._model, EngineMetrics.Outcome.ForLeaving(reason, _deadline, _owner._time.GetUtcNow())).Inc();
            Cleanup();
            if (reason is OperationCanceledException oce)
            {
                Completion.TrySetCanceled(oce.CancellationToken);
            }
            else
            {
                Completion.TrySetException(reason);
            }
        }

        public void Complete(BatchResult result)
        {
            Cleanup();
            Completion.TrySetResult(result);
        }

        public void Fail(Exception ex)
        {
            ReleaseTensor();
            Cleanup();
            Completion.TrySetException(ex);
        }

        private void Cleanup()
        {
            _cancellation.Dispose();
            _deadlineTimer?.Dispose();
        }
    }

    /// <summary>
    /// An admitted image's place in the queue (<see cref="Admit"/>), from its arrival until its batch runs. Used once by
    /// <see cref="EnqueueAsync(Admission, float[], int, int, int, WorkPriority, DateTimeOffset?, CancellationToken)"/>;
    /// <see cref="Release"/> (or disposing) frees it when the image goes no further, and does nothing once it was used.
    /// </summary>
    public sealed class Admission : IDisposable
    {
        private const int Open = 0;
        private const int Used = 1;
        private const int Released = 2;
        private int _state;

        internal Admission(ModelBatcher owner) => Owner = owner;

        internal ModelBatcher Owner { get; }

        internal bool TryUse() => Interlocked.CompareExchange(ref _state, Used, Open) == Open;

        public void Release()
        {
            if (Interlocked.CompareExchange(ref _state, Released, Open) == Open)
            {
                Owner.LeaveAdmitted();
            }
        }

        public void Dispose() => Release();
    }
}
