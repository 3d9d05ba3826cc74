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
