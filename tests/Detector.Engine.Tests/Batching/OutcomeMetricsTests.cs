using System.Buffers;
using Detector.Engine.Batching;
using Detector.Engine.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Detector.Engine.Tests.Batching;

/// <summary>
/// detector_requests_total counts every image a batcher was given, whatever became of it. Each test uses its own model
/// name, since Prometheus counters are process-wide and test classes run in parallel.
/// </summary>
public sealed class OutcomeMetricsTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();
    private readonly FakeRunner _runner = new();

    private ModelBatcher CreateBatcher(string model) =>
        new(model, _runner, new ModelBatchingSettings(16, TimeSpan.FromMilliseconds(50), 1, 4, []), _time, NullLogger.Instance);

    private static double Count(string model, string outcome) => EngineMetrics.Requests.WithLabels(model, outcome).Value;

    private Task<BatchResult> Enqueue(ModelBatcher batcher, DateTimeOffset? deadline = null, CancellationToken ct = default)
    {
        float[] tensor = ArrayPool<float>.Shared.Rent(4);
        return batcher.EnqueueAsync(tensor, 4, 1, 1, WorkPriority.Bulk, deadline, ct);
    }

    [Fact]
    public async Task Enqueue_DeadlineAlreadyPassed_CountedAsDeadline()
    {
        await using ModelBatcher batcher = CreateBatcher("metrics-deadline-at-admission");

        Assert.Throws<DeadlineExceededException>(() => { _ = Enqueue(batcher, deadline: _time.GetUtcNow().AddSeconds(-1)); });

        Assert.Equal(1, Count("metrics-deadline-at-admission", EngineMetrics.Outcome.Deadline));
    }

    [Fact]
    public async Task Enqueue_CallAlreadyCancelledAfterItsDeadline_CountedAsDeadline()
    {
        // gRPC enforces a deadline by cancelling the call: the outcome follows the deadline, not the token.
        await using ModelBatcher batcher = CreateBatcher("metrics-cancelled-past-deadline");
        using CancellationTokenSource cts = new();
        await cts.CancelAsync();

        Assert.ThrowsAny<OperationCanceledException>(() => { _ = Enqueue(batcher, deadline: _time.GetUtcNow().AddSeconds(-1), ct: cts.Token); });

        Assert.Equal(1, Count("metrics-cancelled-past-deadline", EngineMetrics.Outcome.Deadline));
        Assert.Equal(0, Count("metrics-cancelled-past-deadline", EngineMetrics.Outcome.Cancelled));
    }

    [Fact]
    public async Task Enqueue_CallAlreadyCancelled_CountedAsCancelled()
    {
        await using ModelBatcher batcher = CreateBatcher("metrics-cancelled-at-admission");
        using CancellationTokenSource cts = new();
        await cts.CancelAsync();

        Assert.ThrowsAny<OperationCanceledException>(() => { _ = Enqueue(batcher, ct: cts.Token); });

        Assert.Equal(1, Count("metrics-cancelled-at-admission", EngineMetrics.Outcome.Cancelled));
    }

    [Fact]
    public async Task Enqueue_AfterTheDrainStarted_CountedAsUnavailable()
    {
        await using ModelBatcher batcher = CreateBatcher("outcome-enqueue-stopping");
        await batcher.DrainAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ServiceStoppingException>(() => Enqueue(batcher));

        Assert.Equal(1, Count("outcome-enqueue-stopping", EngineMetrics.Outcome.Unavailable));
    }

    [Fact]
    public async Task Run_ImageScored_CountedAsSuccessOnce()
    {
        await using ModelBatcher batcher = CreateBatcher("metrics-success");

        await Enqueue(batcher).WaitAsync(WaitLimit);

        Assert.Equal(1, Count("metrics-success", EngineMetrics.Outcome.Success));
    }

    [Fact]
    public async Task Run_CallerCancelsWhileItsBatchRuns_CountedAsSuccessNotCancelled()
    {
        // The model scored it; whether the caller was still there to read it does not change the outcome.
        await using ModelBatcher batcher = CreateBatcher("metrics-success-after-cancel");
        using CancellationTokenSource cts = new();
        TaskCompletionSource gate = _runner.HoldNextBatch();
        Task<BatchResult> image = Enqueue(batcher, ct: cts.Token);
        Assert.True(await _runner.Entered.WaitAsync(WaitLimit));

        await cts.CancelAsync();
        gate.SetResult();
        await image.WaitAsync(WaitLimit);

        Assert.Equal(1, Count("metrics-success-after-cancel", EngineMetrics.Outcome.Success));
        Assert.Equal(0, Count("metrics-success-after-cancel", EngineMetrics.Outcome.Cancelled));
    }

    [Fact]
    public async Task RunFailing_EveryImageOfTheBatch_CountedAsFailed()
    {
        await using ModelBatcher batcher = CreateBatcher("metrics-failed-batch");
        TaskCompletionSource gate = _runner.HoldNextBatch();
        Task<BatchResult> image = Enqueue(batcher);
        Assert.True(await _runner.Entered.WaitAsync(WaitLimit));

        gate.SetException(new InvalidOperationException("the runtime failed"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => image.WaitAsync(WaitLimit));
        Assert.Equal(1, Count("metrics-failed-batch", EngineMetrics.Outcome.Failed));
    }

    [Theory]
    [InlineData(-1, "deadline")]
    [InlineData(0, "deadline")]
    [InlineData(1, "cancelled")]
    public void ForAbandoned_ClassifiesByTheDeadline(int secondsFromNow, string expected)
    {
        DateTimeOffset now = DateTimeOffset.UnixEpoch.AddDays(1);

        Assert.Equal(expected, EngineMetrics.Outcome.ForAbandoned(now.AddSeconds(secondsFromNow), now));
    }

    [Fact]
    public void ForLeaving_ClassifiesByTheReasonFirst()
    {
        DateTimeOffset now = DateTimeOffset.UnixEpoch.AddDays(1);

        Assert.Equal("unavailable", EngineMetrics.Outcome.ForLeaving(new ServiceStoppingException(), now.AddSeconds(-1), now));
        Assert.Equal("unavailable", EngineMetrics.Outcome.ForLeaving(new Detector.Engine.Scoring.EngineNotReadyException(), null, now));
        Assert.Equal("deadline", EngineMetrics.Outcome.ForLeaving(DeadlineExceededException.WhileQueued("m"), null, now));
        Assert.Equal("cancelled", EngineMetrics.Outcome.ForLeaving(new OperationCanceledException(), now.AddSeconds(1), now));
        Assert.Equal("deadline", EngineMetrics.Outcome.ForLeaving(new OperationCanceledException(), now, now));
    }

    [Fact]
    public void ForAbandoned_NoDeadline_IsCancelled()
    {
        Assert.Equal(EngineMetrics.Outcome.Cancelled, EngineMetrics.Outcome.ForAbandoned(null, DateTimeOffset.UnixEpoch));
    }
}
