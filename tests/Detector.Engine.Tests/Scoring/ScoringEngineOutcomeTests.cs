using Detector.Engine.Batching;
using Detector.Engine.Scoring;
using Detector.Engine.Telemetry;
using Detector.Imaging.Decoding;
using Detector.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Detector.Engine.Tests.Scoring;

/// <summary>
/// Images that end before reaching a model (deadline passed on arrival, cancelled while waiting for a worker) are
/// still counted in detector_requests_total. Model names are this class's own: the counters are process-wide.
/// </summary>
public sealed class ScoringEngineOutcomeTests : IDisposable
{
    private const string Model = "outcome-probe";
    private readonly TestModelFolder _folder = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public ScoringEngineOutcomeTests() => _folder.AddTinyModel(Model);

    public void Dispose() => _folder.Dispose();

    private ModelHost CreateHost() => TinyModelHost.Create(_folder.Root, _time);

    private static double Count(string outcome) => EngineMetrics.Requests.WithLabels(Model, outcome).Value;

    private static ScoringRequest Request(DateTimeOffset? deadline = null) =>
        new("img", TestImages.SolidPng(8, 8, 255, 0, 0), [Model], WorkPriority.Interactive, deadline, EvidenceScope.None);

    [Fact]
    public async Task ScoreAsync_DeadlinePassedOnArrival_RefusedBeforeDecodingAndCountedAsDeadline()
    {
        await using ModelHost host = CreateHost();
        host.WarmUp();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ImageSharpDecoder(new ImagingOptions()), pool);
        double before = Count(EngineMetrics.Outcome.Deadline);

        DeadlineExceededException ex = await Assert.ThrowsAsync<DeadlineExceededException>(() => engine.ScoreAsync(Request(_time.GetUtcNow().AddMilliseconds(-1)), CancellationToken.None));

        Assert.Contains("when the request arrived", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, Count(EngineMetrics.Outcome.Deadline));
    }

    [Fact]
    public async Task ScoreAsync_OneModelCannotResizeTheImage_NoModelIsQueuedAndEachCountsInvalid()
    {
        // Arrange: a 1 x 300000 column. The 8-pixel model can resize it; the 256-pixel one would go through a
        // 256 x 300000 intermediate, over the limit. Listed first, the small model would be queued before the refusal.
        _folder.AddTinyModel("outcome-thin-small", size: 8);
        _folder.AddTinyModel("outcome-thin-large", size: 256);
        await using ModelHost host = CreateHost();
        host.WarmUp();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ImageSharpDecoder(new ImagingOptions()), pool);
        byte[] column = TestImages.SolidPng(1, 300_000, 255, 0, 0);
        double inferredBefore = EngineMetrics.ImagesInferred.WithLabels("outcome-thin-small").Value;
        double invalidBefore = EngineMetrics.Requests.WithLabels("outcome-thin-small", EngineMetrics.Outcome.Invalid).Value;
        ScoringRequest both = new("thin", column, ["outcome-thin-small", "outcome-thin-large"], WorkPriority.Interactive, null, EvidenceScope.None);

        // Act
        ImageRejectedException ex = await Assert.ThrowsAsync<ImageRejectedException>(() => engine.ScoreAsync(both, CancellationToken.None));

        // Assert: one batcher instance answers in order, so once a later image is scored an earlier queued one has run.
        await engine.ScoreAsync(Request() with { Models = ["outcome-thin-small"] }, CancellationToken.None);
        Assert.Equal(ImageRejection.TooManyPixels, ex.Rejection);
        Assert.Equal(inferredBefore + 1, EngineMetrics.ImagesInferred.WithLabels("outcome-thin-small").Value);
        Assert.Equal(invalidBefore + 1, EngineMetrics.Requests.WithLabels("outcome-thin-small", EngineMetrics.Outcome.Invalid).Value);
    }

    [Fact]
    public async Task ScoreAsync_CancelledWhileWaitingForAWorker_CountedAsCancelled()
    {
        await using ModelHost host = CreateHost();
        host.WarmUp();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ImageSharpDecoder(new ImagingOptions()), pool);
        using ManualResetEventSlim release = new();
        using SemaphoreSlim occupied = new(0);
        Task busy = Task.Run(() => pool.RunAsync(s => { s.Occupied.Release(); s.Release.Wait(); return 0; }, (Occupied: occupied, Release: release), CancellationToken.None));
        Assert.True(await occupied.WaitAsync(TimeSpan.FromSeconds(30)));
        double before = Count(EngineMetrics.Outcome.Cancelled);
        using CancellationTokenSource cts = new();

        Task<ImageScore> waiting = engine.ScoreAsync(Request(), cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(before + 1, Count(EngineMetrics.Outcome.Cancelled));
        release.Set();
        await busy;
    }
}
