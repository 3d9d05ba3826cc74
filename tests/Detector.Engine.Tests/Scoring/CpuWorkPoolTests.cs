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

    /// <summary>Counts what is posted to it and never runs it, so that work sent here would never complete.</summary>
    private sealed class RecordingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posts);
    }
}
