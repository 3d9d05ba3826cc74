using System.Buffers;
using Detector.Engine.Batching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Detector.Engine.Tests.Batching;

public sealed class ModelBatcherTests
{
    private const int TensorLength = 4;
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeRunner _runner = new();

    private ModelBatcher CreateBatcher(int maxBatch = 4, int capacity = 16, double delayMs = 50, int instances = 1, int[]? pad = null) =>
        new("fake", _runner, new ModelBatchingSettings(capacity, TimeSpan.FromMilliseconds(delayMs), instances, maxBatch, pad ?? []), _time, NullLogger.Instance);

    private Task<BatchResult> Enqueue(ModelBatcher batcher, float marker, WorkPriority priority = WorkPriority.Bulk, DateTimeOffset? deadline = null, CancellationToken ct = default)
    {
        float[] tensor = ArrayPool<float>.Shared.Rent(TensorLength);
        tensor.AsSpan(0, TensorLength).Fill(marker);
        return batcher.EnqueueAsync(tensor, TensorLength, 1, 1, priority, deadline, ct);
    }

    /// <summary>Blocks the model with a first batch of one image, so that the next images wait in the queue.</summary>
    private async Task<(TaskCompletionSource Gate, Task<BatchResult> First)> OccupyModelAsync(ModelBatcher batcher)
    {
        TaskCompletionSource gate = _runner.HoldNextBatch();
        Task<BatchResult> first = Enqueue(batcher, -1);
        Assert.True(await _runner.Entered.WaitAsync(WaitLimit));
        return (gate, first);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using CancellationTokenSource limit = new(WaitLimit);
        while (!condition())
        {
            await Task.Yield();
            limit.Token.ThrowIfCancellationRequested();
        }
    }

    [Fact]
    public async Task Enqueue_IdleModel_RunsAtOnceWithoutWaitingForTheDelay()
    {
        await using ModelBatcher batcher = CreateBatcher(delayMs: 60_000);

        BatchResult result = await Enqueue(batcher, 7).WaitAsync(WaitLimit);

        Assert.Equal(7f, result.Raw[0]);
        Assert.Equal(1, result.BatchSize);
    }

    [Fact]
    public async Task Enqueue_MaxBatchReached_RunsFullBatchWithoutWaitingForTheDelay()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 4, delayMs: 60_000);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult>[] waiting = [Enqueue(batcher, 1), Enqueue(batcher, 2), Enqueue(batcher, 3), Enqueue(batcher, 4)];

        gate.SetResult();
        BatchResult[] results = await Task.WhenAll(waiting).WaitAsync(WaitLimit);

        Assert.All(results, r => Assert.Equal(4, r.BatchSize));
        Assert.Equal([1f, 2f, 3f, 4f], results.Select(r => r.Raw[0]));
        await first;
    }

    [Fact]
    public async Task Enqueue_PartialBurst_WaitsForMoreThenFlushesWhenOldestReachesMaxDelay()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 4, delayMs: 50);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult> a = Enqueue(batcher, 1);
        Task<BatchResult> b = Enqueue(batcher, 2);
        gate.SetResult();
        await first;

        // Both taken into a forming batch, which now tops up until the oldest has waited 50 ms (fake time). Advancing
        // before its timer exists would arm the timer 50 ms past the advance: wait for the timer first.
        await WaitUntil(() => batcher.QueueDepth == 0 && batcher.IsWaitingToTopUp);
        Assert.False(a.IsCompleted);
        Assert.Single(_runner.Batches);

        _time.Advance(TimeSpan.FromMilliseconds(50));
        BatchResult[] results = await Task.WhenAll(a, b).WaitAsync(WaitLimit);

        Assert.All(results, r => Assert.Equal(2, r.BatchSize));
    }

    [Fact]
    public async Task Enqueue_QueueFull_FailsAtOnceWithRetryHint()
    {
        await using ModelBatcher batcher = CreateBatcher(capacity: 2, delayMs: 0);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult> a = Enqueue(batcher, 1);
        Task<BatchResult> b = Enqueue(batcher, 2);

        QueueFullException ex = Assert.Throws<QueueFullException>(() => { _ = Enqueue(batcher, 3); });

        Assert.True(ex.RetryAfter > TimeSpan.Zero);
        Assert.Contains("queue limit", ex.Message, StringComparison.Ordinal);
        gate.SetResult();
        await Task.WhenAll(first, a, b).WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task Instances_Two_TwoBatchesRunAtOnceAndAThirdWaitsForOneToFinish()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 1, delayMs: 0, instances: 2);
        TaskCompletionSource gateA = _runner.HoldNextBatch();
        TaskCompletionSource gateB = _runner.HoldNextBatch();
        Task<BatchResult> a = Enqueue(batcher, 1);
        Assert.True(await _runner.Entered.WaitAsync(WaitLimit));
        Task<BatchResult> b = Enqueue(batcher, 2);
        Assert.True(await _runner.Entered.WaitAsync(WaitLimit));

        // Both instances are inside the model, each holding one batch; the third image has no instance to run it.
        Task<BatchResult> c = Enqueue(batcher, 3);
        Assert.Equal(2, batcher.InFlight);
        Assert.Equal(1, batcher.QueueDepth);
        Assert.False(c.IsCompleted);

        gateA.SetResult();
        BatchResult third = await c.WaitAsync(WaitLimit);

        Assert.Equal(3f, third.Raw[0]);
        Assert.Equal(1f, (await a).Raw[0]);
        Assert.False(b.IsCompleted);
        gateB.SetResult();
        Assert.Equal(2f, (await b.WaitAsync(WaitLimit)).Raw[0]);
    }

    [Fact]
    public async Task Instances_One_ASecondBatchWaitsForTheFirst()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 1, delayMs: 0, instances: 1);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);

        Task<BatchResult> second = Enqueue(batcher, 2);
        Assert.Equal(1, batcher.InFlight);
        Assert.Equal(1, batcher.QueueDepth);
        Assert.False(second.IsCompleted);
        Assert.Equal(0, _runner.Entered.CurrentCount);

        gate.SetResult();
        await Task.WhenAll(first, second).WaitAsync(WaitLimit);
        Assert.Equal([[-1f], [2f]], _runner.Batches.ToArray());
    }

    [Fact]
    public async Task Enqueue_CancelledWhileQueued_LeavesQueueAndNeverReachesModel()
    {
        await using ModelBatcher batcher = CreateBatcher();
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        using CancellationTokenSource cts = new();
        Task<BatchResult> cancelled = Enqueue(batcher, 42, ct: cts.Token);
        Task<BatchResult> kept = Enqueue(batcher, 5);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, batcher.QueueDepth);
        gate.SetResult();
        await Task.WhenAll(first, kept).WaitAsync(WaitLimit);
        Assert.DoesNotContain(_runner.Batches.SelectMany(b => b), m => m == 42f);
    }

    [Fact]
    public async Task Enqueue_DeadlinePassesWhileQueued_FailsAndNeverReachesModel()
    {
        await using ModelBatcher batcher = CreateBatcher();
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult> expiring = Enqueue(batcher, 42, deadline: _time.GetUtcNow().AddSeconds(1));

        _time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<DeadlineExceededException>(() => expiring);
        Assert.Equal(0, batcher.QueueDepth);
        gate.SetResult();
        await first;
        Assert.DoesNotContain(_runner.Batches.SelectMany(b => b), m => m == 42f);
    }

    [Fact]
    public async Task Enqueue_DeadlineBeyondTheLongestTimer_IsAcceptedAndScored()
    {
        // Arrange: a system clock, whose timers cannot be due later than about 49.7 days. gRPC accepts timeouts up to
        // 99999999 hours, so a client's deadline can lie beyond that.
        await using ModelBatcher batcher = new("fake-far-deadline", _runner, new ModelBatchingSettings(16, TimeSpan.Zero, 1, 1, []), TimeProvider.System, NullLogger.Instance);
        float[] tensor = ArrayPool<float>.Shared.Rent(TensorLength);
        tensor.AsSpan(0, TensorLength).Fill(5);

        // Act
        BatchResult result = await batcher.EnqueueAsync(tensor, TensorLength, 1, 1, WorkPriority.Interactive, DateTimeOffset.UtcNow.AddDays(100), CancellationToken.None).WaitAsync(WaitLimit);

        // Assert
        Assert.Equal(5f, result.Raw[0]);
        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task Enqueue_DeadlineBeyondTheLongestTimer_ExpiresAtTheDeadlineNotAtTheFirstTimer()
    {
        // Arrange: 60 days, more than one timer can wait (about 49.7 days).
        await using ModelBatcher batcher = CreateBatcher();
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult> waiting = Enqueue(batcher, 42, deadline: _time.GetUtcNow().AddDays(60));

        // Act: past the first timer, then past the deadline.
        _time.Advance(TimeSpan.FromDays(50));
        bool expiredEarly = waiting.IsCompleted;
        _time.Advance(TimeSpan.FromDays(10));

        // Assert
        Assert.False(expiredEarly);
        await Assert.ThrowsAsync<DeadlineExceededException>(() => waiting);
        Assert.Equal(0, batcher.QueueDepth);
        gate.SetResult();
        await first;
    }

    [Fact]
    public async Task Enqueue_DeadlineAlreadyPassed_FailsAtAdmission()
    {
        await using ModelBatcher batcher = CreateBatcher();

        Assert.Throws<DeadlineExceededException>(() => { _ = Enqueue(batcher, 1, deadline: _time.GetUtcNow().AddSeconds(-1)); });

        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task Execute_AllImagesOfBatchAbandoned_BatchIsNotRun()
    {
        await using ModelBatcher batcher = CreateBatcher();
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        using CancellationTokenSource cts = new();
        Task<BatchResult> a = Enqueue(batcher, 1, ct: cts.Token);
        Task<BatchResult> b = Enqueue(batcher, 2, ct: cts.Token);

        await cts.CancelAsync();
        gate.SetResult();
        await first;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);

        // A later image proves the instance moved on; the abandoned ones never formed a batch.
        await Enqueue(batcher, 3).WaitAsync(WaitLimit);
        Assert.Equal([[-1f], [3f]], _runner.Batches.ToArray());
    }

    [Fact]
    public async Task TakeInto_InteractiveWaiting_GoesFirstButBulkKeepsAShare()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 4, delayMs: 0);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult>[] bulk = [Enqueue(batcher, 1), Enqueue(batcher, 2), Enqueue(batcher, 3)];
        Task<BatchResult>[] interactive = [Enqueue(batcher, 11, WorkPriority.Interactive), Enqueue(batcher, 12, WorkPriority.Interactive), Enqueue(batcher, 13, WorkPriority.Interactive)];

        gate.SetResult();
        await Task.WhenAll(bulk.Concat(interactive).Append(first)).WaitAsync(WaitLimit);

        float[][] batches = _runner.Batches.ToArray();
        Assert.Equal([1f, 11f, 12f, 13f], batches[1]);
        Assert.Equal([2f, 3f], batches[2]);
    }

    [Fact]
    public async Task TakeInto_SingleImageBatchesUnderInteractiveLoad_BulkIsNotStarved()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 1, delayMs: 0);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult> bulk = Enqueue(batcher, 99);
        Task<BatchResult>[] interactive = Enumerable.Range(1, 8).Select(i => Enqueue(batcher, i, WorkPriority.Interactive)).ToArray();

        gate.SetResult();
        await Task.WhenAll(interactive.Append(bulk).Append(first)).WaitAsync(WaitLimit);

        // Three interactive batches pass the waiting bulk image, then it gets its turn.
        Assert.Equal([-1f, 1f, 2f, 3f, 99f, 4f, 5f, 6f, 7f, 8f], _runner.Batches.Select(b => b[0]));
    }

    [Fact]
    public async Task DrainAsync_WithQueuedImages_RefusesNewOnesAndAnswersEveryAcceptedOne()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 2, delayMs: 0);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        Task<BatchResult>[] accepted = [Enqueue(batcher, 1), Enqueue(batcher, 2), Enqueue(batcher, 3)];

        Task drain = batcher.DrainAsync(CancellationToken.None);
        Assert.Throws<ServiceStoppingException>(() => { _ = Enqueue(batcher, 4); });
        Assert.False(drain.IsCompleted);
        gate.SetResult();

        await drain.WaitAsync(WaitLimit);
        BatchResult[] results = await Task.WhenAll(accepted);
        Assert.Equal([1f, 2f, 3f], results.Select(r => r.Raw[0]));
        await first;
    }

    [Fact]
    public async Task TopUp_AnImageAbandonedInTheFormingBatch_GivesItsPlaceToALiveOne()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 3, delayMs: 50);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        using CancellationTokenSource cts = new();
        Task<BatchResult> abandoned = Enqueue(batcher, 1, ct: cts.Token);
        Task<BatchResult> b = Enqueue(batcher, 2);
        gate.SetResult();
        await first;
        await WaitUntil(() => batcher.IsWaitingToTopUp); // [1, 2] taken, waiting for a third

        await cts.CancelAsync();
        Task<BatchResult> c = Enqueue(batcher, 3);
        Task<BatchResult> d = Enqueue(batcher, 4);
        BatchResult[] results = await Task.WhenAll(b, c, d).WaitAsync(WaitLimit);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.All(results, r => Assert.Equal(3, r.BatchSize));
        Assert.Equal([2f, 3f, 4f], _runner.Batches.Last());
    }

    [Fact]
    public async Task Admit_PlacesHeldByImagesStillDecoding_CountAgainstTheQueueSoTheNextIsRefusedAtOnce()
    {
        await using ModelBatcher batcher = CreateBatcher(capacity: 2);
        using ModelBatcher.Admission decodingA = batcher.Admit(WorkPriority.Bulk);
        using ModelBatcher.Admission decodingB = batcher.Admit(WorkPriority.Bulk);

        Assert.Equal(2, batcher.QueueDepth);
        Assert.Throws<QueueFullException>(() => { _ = Enqueue(batcher, 3); });

        decodingB.Release();
        decodingB.Release(); // a second release frees nothing more
        Assert.Equal(1, batcher.QueueDepth);
        BatchResult scored = await Enqueue(batcher, 3).WaitAsync(WaitLimit);
        Assert.Equal(3f, scored.Raw[0]);
    }

    [Fact]
    public async Task Admit_BulkFillsAllButTheLastEighth_InteractiveStillAdmitted()
    {
        await using ModelBatcher batcher = CreateBatcher(capacity: 16);
        List<ModelBatcher.Admission> held = [.. Enumerable.Range(0, 14).Select(_ => batcher.Admit(WorkPriority.Bulk))];

        Assert.Throws<QueueFullException>(() => batcher.Admit(WorkPriority.Bulk));
        held.Add(batcher.Admit(WorkPriority.Interactive));
        held.Add(batcher.Admit(WorkPriority.Interactive));
        Assert.Throws<QueueFullException>(() => batcher.Admit(WorkPriority.Interactive));

        Assert.Equal(16, batcher.QueueDepth);
        held.ForEach(a => a.Release());
        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task DrainAsync_AdmittedImageStillDecoding_RefusesNewOnesWaitsForItAndScoresIt()
    {
        await using ModelBatcher batcher = CreateBatcher();
        ModelBatcher.Admission decoding = batcher.Admit(WorkPriority.Bulk);

        Task drain = batcher.DrainAsync(CancellationToken.None);
        Assert.Throws<ServiceStoppingException>(() => batcher.Admit(WorkPriority.Bulk));
        Assert.False(drain.IsCompleted);
        float[] tensor = ArrayPool<float>.Shared.Rent(TensorLength);
        tensor.AsSpan(0, TensorLength).Fill(9);
        BatchResult result = await batcher.EnqueueAsync(decoding, tensor, TensorLength, 1, 1, WorkPriority.Bulk, null, CancellationToken.None).WaitAsync(WaitLimit);

        await drain.WaitAsync(WaitLimit);
        Assert.Equal(9f, result.Raw[0]);
        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task DrainAsync_AdmittedImageThatGoesNoFurther_EndsWhenItsPlaceIsReleased()
    {
        await using ModelBatcher batcher = CreateBatcher();
        ModelBatcher.Admission invalid = batcher.Admit(WorkPriority.Bulk);
        Task drain = batcher.DrainAsync(CancellationToken.None);
        Assert.False(drain.IsCompleted);

        invalid.Release();

        await drain.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task EnqueueAsync_AfterAHardStop_FailsSayingTheStopCameBeforeTheImageWasScored()
    {
        ModelBatcher batcher = CreateBatcher();
        ModelBatcher.Admission admitted = batcher.Admit(WorkPriority.Bulk);
        await batcher.DisposeAsync();
        float[] tensor = ArrayPool<float>.Shared.Rent(TensorLength);

        ServiceStoppingException ex = Assert.Throws<ServiceStoppingException>(() => { _ = batcher.EnqueueAsync(admitted, tensor, TensorLength, 1, 1, WorkPriority.Bulk, null, CancellationToken.None); });

        Assert.Contains("stopped before this image was scored", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueAsync_HardStopWhileTheImageIsBeingQueued_FailsItInsteadOfLeavingItUnanswered()
    {
        // Arrange: the image passes the "closed?" check, then stops while its deadline timer is created; the batcher
        // is disposed meanwhile (its instances end, its lanes are swept), and only then is the image queued.
        BlockingTimerTime time = new();
        ModelBatcher batcher = new("fake", _runner, new ModelBatchingSettings(16, TimeSpan.Zero, 1, 4, []), time, NullLogger.Instance);
        ModelBatcher.Admission admitted = batcher.Admit(WorkPriority.Bulk);
        float[] tensor = ArrayPool<float>.Shared.Rent(TensorLength);
        // StartNew, not Task.Run: the outer task ends when EnqueueAsync returns, whatever becomes of the image's own task.
        Task<Task<BatchResult>> queueing = Task.Factory.StartNew(() => batcher.EnqueueAsync(admitted, tensor, TensorLength, 1, 1, WorkPriority.Bulk, time.GetUtcNow().AddHours(1), CancellationToken.None), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
        Assert.True(await time.Entered.WaitAsync(WaitLimit));

        // Act
        await batcher.DisposeAsync();
        time.Release.Set();
        Task<BatchResult> result = await queueing.WaitAsync(WaitLimit);

        // Assert
        ServiceStoppingException ex = await Assert.ThrowsAsync<ServiceStoppingException>(() => result.WaitAsync(WaitLimit));
        Assert.Contains("stopped before this image was scored", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, batcher.QueueDepth);
    }

    /// <summary>Fake time whose first timer creation waits until released (a sync point inside EnqueueAsync).</summary>
    private sealed class BlockingTimerTime : FakeTimeProvider
    {
        private int _calls;

        public SemaphoreSlim Entered { get; } = new(0);

        public ManualResetEventSlim Release { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.Release();
                Release.Wait();
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    [Fact]
    public async Task Admit_BulkRefusedAtItsLimitWhileInteractiveComeAndGo_NeverRefusesAnInteractiveImage()
    {
        // Concurrency check, not timing: one thread keeps asking for bulk places at the bulk limit (all refused) while
        // another admits and releases interactive images in the reserve. A refused bulk request that held a place even
        // for an instant would make some interactive admissions fail.
        await using ModelBatcher batcher = CreateBatcher(capacity: 8);
        List<ModelBatcher.Admission> bulk = [.. Enumerable.Range(0, 7).Select(_ => batcher.Admit(WorkPriority.Bulk))];
        using CancellationTokenSource stop = new();
        using SemaphoreSlim hammering = new(0);
        Task hammer = Task.Run(() =>
        {
            int refused = 0;
            while (!stop.IsCancellationRequested)
            {
                if (refused == 1)
                {
                    hammering.Release();
                }

                try
                {
                    batcher.Admit(WorkPriority.Bulk).Release();
                }
                catch (QueueFullException)
                {
                    refused++;
                }
            }

            return refused;
        });
        int interactiveRefused = 0;
        Assert.True(await hammering.WaitAsync(WaitLimit));

        for (int i = 0; i < 1_000_000; i++)
        {
            try
            {
                batcher.Admit(WorkPriority.Interactive).Release();
            }
            catch (QueueFullException)
            {
                interactiveRefused++;
            }
        }

        await stop.CancelAsync();
        await hammer;
        Assert.Equal(0, interactiveRefused);
        Assert.Equal(7, batcher.QueueDepth);
        bulk.ForEach(a => a.Release());
    }

    [Fact]
    public async Task QueueDepthGauge_FollowsAdmissionQueueingAndBatchesExactly()
    {
        Prometheus.Gauge.Child gauge = Telemetry.EngineMetrics.QueueDepth.WithLabels("gauge-probe");
        double before = gauge.Value;
        await using ModelBatcher batcher = new("gauge-probe", _runner, new ModelBatchingSettings(16, TimeSpan.Zero, 1, 4, []), _time, NullLogger.Instance);
        (TaskCompletionSource gate, Task<BatchResult> first) = await OccupyModelAsync(batcher);
        using ModelBatcher.Admission decoding = batcher.Admit(WorkPriority.Bulk);
        using CancellationTokenSource cts = new();
        Task<BatchResult> cancelled = Enqueue(batcher, 1, ct: cts.Token);
        Task<BatchResult> queued = Enqueue(batcher, 2);

        Assert.Equal(before + 3, gauge.Value);
        await cts.CancelAsync();
        decoding.Release();
        Assert.Equal(before + 1, gauge.Value);
        gate.SetResult();
        await Task.WhenAll(first, queued).WaitAsync(WaitLimit);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        Assert.Equal(before, gauge.Value);
    }

    [Fact]
    public async Task Execute_PadToSizes_RunsPaddedBatchAndReturnsOnlyRealImages()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 8, pad: [4, 8]);

        BatchResult result = await Enqueue(batcher, 5).WaitAsync(WaitLimit);

        Assert.Equal(5f, result.Raw[0]);
        Assert.Equal(1, result.BatchSize);
        Assert.Equal([4], _runner.PaddedSizes);
        Assert.Equal([5f, 0f, 0f, 0f], _runner.Batches.Single());
    }

    [Fact]
    public async Task WarmUp_WithPadSizes_RunsEachPaddedSizeOnce()
    {
        await using ModelBatcher batcher = CreateBatcher(maxBatch: 8, pad: [2, 4, 8]);

        IReadOnlyList<int> sizes = batcher.WarmUp(1, 1, TensorLength);

        Assert.Equal([2, 4, 8], sizes);
        Assert.Equal([2, 4, 8], _runner.PaddedSizes);
    }

    [Fact]
    public void Settings_PadSizesBelowManifestMax_CapTheBatchAtTheLargestPadSize()
    {
        BatchingOptions options = new() { CpuMaxBatchSize = 0 };
        options.PadToSizes.Add(1);
        options.PadToSizes.Add(4);

        ModelBatchingSettings settings = options.For("m", maxBatchSize: 16);

        Assert.Equal(4, settings.MaxBatchSize);
        Assert.Equal(4, settings.PaddedSize(3));
        Assert.Equal(1, settings.PaddedSize(1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Settings_PadSizesAboveManifestMax_DropsThemAndPadsUpToTheMaximum(bool onGpu)
    {
        BatchingOptions options = new() { CpuMaxBatchSize = 0 };
        foreach (int size in new[] { 1, 2, 4, 8, 16, 32 })
        {
            options.PadToSizes.Add(size);
        }

        ModelBatchingSettings settings = options.For("m", maxBatchSize: 12, onGpu);

        Assert.Equal(12, settings.MaxBatchSize);
        Assert.Equal([1, 2, 4, 8, 12], settings.PadToSizes);
        Assert.Equal([1, 2, 4, 8, 12], settings.WarmUpSizes);
        Assert.Equal(12, settings.PaddedSize(10));
        Assert.Equal(12, settings.PaddedSize(12));
    }

    [Fact]
    public void Settings_PerModelMaxBelowPadSizes_PadsOnlyUpToTheModelsMaximum()
    {
        BatchingOptions options = new();
        options.PadToSizes.Add(4);
        options.PadToSizes.Add(16);
        options.Models["m"] = new ModelBatchingOverrides { MaxBatchSize = 6 };

        ModelBatchingSettings settings = options.For("m", maxBatchSize: 16, onGpu: true);

        Assert.Equal(6, settings.MaxBatchSize);
        Assert.Equal([4, 6], settings.PadToSizes);
        Assert.Equal(6, settings.PaddedSize(5));
    }

    [Fact]
    public void Settings_PerModelOverride_SwitchesBatchingOff()
    {
        BatchingOptions options = new();
        options.Models["m"] = new ModelBatchingOverrides { MaxBatchSize = 1, Instances = 2 };

        ModelBatchingSettings settings = options.For("m", maxBatchSize: 16, onGpu: true);

        Assert.Equal(1, settings.MaxBatchSize);
        Assert.Equal(2, settings.Instances);
        Assert.Equal(16, options.For("other", 16, onGpu: true).MaxBatchSize);
    }

    [Fact]
    public void Settings_OnCpuByDefault_RunOneImageAtATime()
    {
        BatchingOptions options = new();

        ModelBatchingSettings cpu = options.For("m", maxBatchSize: 16);

        Assert.Equal(1, cpu.MaxBatchSize);
        Assert.Equal([1], cpu.WarmUpSizes);
        Assert.Equal(16, options.For("m", maxBatchSize: 16, onGpu: true).MaxBatchSize);
    }

    [Fact]
    public void Settings_OnCpu_AModelsOwnMaximumOrCpuMaxBatchSizeZeroBringsBatchingBack()
    {
        BatchingOptions options = new();
        options.Models["own"] = new ModelBatchingOverrides { MaxBatchSize = 8 };
        BatchingOptions manifest = new() { CpuMaxBatchSize = 0 };
        BatchingOptions four = new() { CpuMaxBatchSize = 4 };

        Assert.Equal(8, options.For("own", maxBatchSize: 16).MaxBatchSize);
        Assert.Equal(16, manifest.For("m", maxBatchSize: 16).MaxBatchSize);
        Assert.Equal(4, four.For("m", maxBatchSize: 16).MaxBatchSize);
        Assert.Equal(2, four.For("m", maxBatchSize: 2).MaxBatchSize);
    }

    [Theory]
    [InlineData(16, new[] { 1, 2, 4, 8, 16 })]
    [InlineData(12, new[] { 1, 2, 4, 8, 12 })]
    [InlineData(1, new[] { 1 })]
    public void DefaultGpuPadSizes_PowersOfTwoUpToTheMaximum(int max, int[] expected)
    {
        Assert.Equal(expected, BatchingOptions.DefaultGpuPadSizes(max));
    }

    [Fact]
    public void Settings_OnGpuWithoutConfiguredPadding_PadsToPowersOfTwoAndWarmsThemUp()
    {
        BatchingOptions options = new();

        ModelBatchingSettings gpu = options.For("m", maxBatchSize: 16, onGpu: true);
        ModelBatchingSettings cpu = options.For("m", maxBatchSize: 16);

        Assert.Equal([1, 2, 4, 8, 16], gpu.PadToSizes);
        Assert.Equal([1, 2, 4, 8, 16], gpu.WarmUpSizes);
        Assert.Equal(8, gpu.PaddedSize(5));
        Assert.Empty(cpu.PadToSizes);
    }

    [Fact]
    public void Settings_OnGpuWithConfiguredPaddingOrBatchingOff_KeepsWhatWasConfigured()
    {
        BatchingOptions options = new();
        options.PadToSizes.Add(16);
        options.Models["off"] = new ModelBatchingOverrides { MaxBatchSize = 1 };

        Assert.Equal([16], options.For("m", maxBatchSize: 16, onGpu: true).PadToSizes);
        Assert.Equal(1, options.For("off", maxBatchSize: 16, onGpu: true).MaxBatchSize);
    }
}
