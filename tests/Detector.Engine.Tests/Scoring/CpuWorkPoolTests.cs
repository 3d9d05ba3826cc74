using System.Collections.Concurrent;
using Detector.Engine.Batching;
using Detector.Engine.Scoring;

namespace Detector.Engine.Tests.Scoring;

public sealed class CpuWorkPoolTests
{
    /// <summary>
    /// Called from a thread with a SynchronizationContext (a UI thread, or a test runner's own few threads), the work must
    /// still run on the thread pool: run on that context, a decode that blocks can hold one of its threads and deadlock
    /// whoever needs the context to continue.
    /// </summary>
    [Fact]
    public async Task RunAsync_FromAThreadWithASynchronizationContext_RunsTheWorkOnTheThreadPoolNotTheContext()
    {
        using CpuWorkPool pool = new(1);
        RecordingContext context = new();
        TaskCompletionSource<Task<(bool PoolThread, SynchronizationContext? Context)>> started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Thread caller = new(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            started.SetResult(pool.RunAsync(static _ => (Thread.CurrentThread.IsThreadPoolThread, SynchronizationContext.Current), 0, CancellationToken.None));
        });

        caller.Start();
        (bool poolThread, SynchronizationContext? workContext) = await (await started.Task).WaitAsync(TimeSpan.FromSeconds(30));
        caller.Join();

        Assert.True(poolThread, "the work ran off the thread pool");
        Assert.Null(workContext);
        Assert.Equal(0, context.Posts);
    }

    [Fact]
    public async Task RunAsync_FromAThreadPoolThread_RunsTheWorkThere()
    {
        using CpuWorkPool pool = new(1);

        bool poolThread = await Task.Run(() => pool.RunAsync(static _ => Thread.CurrentThread.IsThreadPoolThread, 0, CancellationToken.None));

        Assert.True(poolThread);
    }

    /// <summary>Occupies the pool's only worker until the returned event is set.</summary>
    private static async Task<(ManualResetEventSlim Release, Task Busy)> OccupyAsync(CpuWorkPool pool)
    {
        ManualResetEventSlim release = new();
        using SemaphoreSlim entered = new(0);
        Task busy = Task.Run(() => pool.RunAsync(s => { s.Entered.Release(); s.Release.Wait(); return 0; }, (Entered: entered, Release: release), CancellationToken.None));
        Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(30)));
        return (release, busy);
    }

    /// <summary>Queues one bulk job named "bulk", then eight interactive ones "i0".."i7", each recording its name when it runs.</summary>
    private static List<Task> OneBulkThenEightInteractive(CpuWorkPool pool, ConcurrentQueue<string> order)
    {
        List<Task> waiting = [pool.RunAsync(o => { o.Enqueue("bulk"); return 0; }, order, WorkPriority.Bulk, CancellationToken.None)];
        for (int i = 0; i < 8; i++)
        {
            string name = $"i{i}";
            waiting.Add(pool.RunAsync(o => { o.Enqueue(name); return 0; }, order, WorkPriority.Interactive, CancellationToken.None));
        }

        return waiting;
    }

    [Fact]
    public async Task RunAsync_BulkAndInteractiveWaiting_InteractiveGetsTheFreedWorkerFirst()
    {
        using CpuWorkPool pool = new(1);
        (ManualResetEventSlim release, Task busy) = await OccupyAsync(pool);
        ConcurrentQueue<string> order = new();
        Task bulk = pool.RunAsync(o => { o.Enqueue("bulk"); return 0; }, order, WorkPriority.Bulk, CancellationToken.None);
        Task interactive = pool.RunAsync(o => { o.Enqueue("interactive"); return 0; }, order, WorkPriority.Interactive, CancellationToken.None);
        Assert.Equal(2, pool.Waiting);

        release.Set();
        await Task.WhenAll(busy, bulk, interactive).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["interactive", "bulk"], order);
        release.Dispose();
    }

    [Fact]
    public async Task RunAsync_InteractiveKeepsArriving_BulkGetsEveryFourthWorker()
    {
        // One worker, one bulk image and eight interactive ones waiting: the bulk image runs fourth, not last.
        using CpuWorkPool pool = new(1);
        (ManualResetEventSlim release, Task busy) = await OccupyAsync(pool);
        ConcurrentQueue<string> order = new();
        List<Task> waiting = OneBulkThenEightInteractive(pool, order);

        release.Set();
        await Task.WhenAll([busy, .. waiting]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["i0", "i1", "i2", "bulk", "i3", "i4", "i5", "i6", "i7"], order);
        release.Dispose();
    }

    [Fact]
    public async Task RunAsync_ACancelledBulkWaiter_DoesNotUseUpBulksTurn()
    {
        using CpuWorkPool pool = new(1);
        (ManualResetEventSlim release, Task busy) = await OccupyAsync(pool);
        ConcurrentQueue<string> order = new();
        using CancellationTokenSource cts = new();
        Task ghost = pool.RunAsync(o => { o.Enqueue("ghost"); return 0; }, order, WorkPriority.Bulk, cts.Token);
        List<Task> waiting = OneBulkThenEightInteractive(pool, order);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ghost);
        release.Set();
        await Task.WhenAll([busy, .. waiting]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["i0", "i1", "i2", "bulk", "i3", "i4", "i5", "i6", "i7"], order);
        release.Dispose();
    }

    [Fact]
    public async Task RunAsync_CancelledWhileWaiting_NeverRunsAndTheWorkerGoesToTheNext()
    {
        using CpuWorkPool pool = new(1);
        (ManualResetEventSlim release, Task busy) = await OccupyAsync(pool);
        using CancellationTokenSource cts = new();
        bool cancelledRan = false;
        Task<int> cancelled = pool.RunAsync(_ => { cancelledRan = true; return 1; }, 0, WorkPriority.Interactive, cts.Token);
        Task<int> next = pool.RunAsync(_ => 2, 0, WorkPriority.Bulk, CancellationToken.None);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, pool.Waiting);
        release.Set();

        Assert.Equal(2, await next.WaitAsync(TimeSpan.FromSeconds(30)));
        await busy;
        Assert.False(cancelledRan);
        Assert.Equal(0, pool.Waiting);
        Assert.Equal(3, await pool.RunAsync(_ => 3, 0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))); // the worker was freed
        release.Dispose();
    }

    [Fact]
    public async Task RunAsync_MoreJobsThanWorkers_RunsAtMostWorkersAtOnceAndTheRestWait()
    {
        // Arrange: two workers, three jobs, each held at a gate once it started.
        using CpuWorkPool pool = new(2);
        using SemaphoreSlim started = new(0);
        using ManualResetEventSlim release = new();
        int running = 0;
        int mostAtOnce = 0;
        int Job(int _)
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            started.Release();
            release.Wait();
            Interlocked.Decrement(ref running);
            return now;
        }

        // Act
        Task<int>[] jobs = [.. Enumerable.Range(0, 3).Select(i => Task.Run(() => pool.RunAsync(Job, i, CancellationToken.None)))];
        Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(30)));
        using (CancellationTokenSource limit = new(TimeSpan.FromSeconds(30)))
        {
            while (pool.Waiting < 1)
            {
                await Task.Yield();
                limit.Token.ThrowIfCancellationRequested();
            }
        }

        // Assert: two run, the third waits for a slot, and starts once they are released.
        Assert.Equal(2, Volatile.Read(ref running));
        Assert.Equal(0, started.CurrentCount);
        Assert.Equal(1, pool.Waiting);
        release.Set();
        await Task.WhenAll(jobs).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, mostAtOnce);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>Counts what is posted to it and never runs it, so that work sent here would never complete.</summary>
    private sealed class RecordingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posts);
    }
}
