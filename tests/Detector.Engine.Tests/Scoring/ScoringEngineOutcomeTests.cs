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
    public async Task ScoreAsync_Scored_EachModelCountedAsSuccessOnce()
    {
        await using ModelHost host = CreateHost();
        host.WarmUp();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ImageSharpDecoder(new ImagingOptions()), pool);
        double before = Count(EngineMetrics.Outcome.Success);

        await engine.ScoreAsync(Request(), CancellationToken.None);

        Assert.Equal(before + 1, Count(EngineMetrics.Outcome.Success));
    }

    [Fact]
    public async Task ScoreAsync_CancelledWhileDecoding_EveryModelCountedAsCancelledOnce()
    {
        // Arrange: three models; the call is cancelled while its image decodes, so the first model refuses it at
        // admission. The two after it were asked too and must be counted, not forgotten.
        string[] names = ["outcome-decode-a", "outcome-decode-b", "outcome-decode-c"];
        foreach (string name in names)
        {
            _folder.AddTinyModel(name);
        }

        await using ModelHost host = CreateHost();
        host.WarmUp();
        using CpuWorkPool pool = new(1);
        using GatedDecoder decoder = new(new ImageSharpDecoder(new ImagingOptions()));
        ScoringEngine engine = new(host, decoder, pool);
        double[] before = [.. names.Select(n => EngineMetrics.Requests.WithLabels(n, EngineMetrics.Outcome.Cancelled).Value)];
        using CancellationTokenSource cts = new();

        // Act
        Task<ImageScore> scoring = engine.ScoreAsync(Request() with { Models = names }, cts.Token);
        Assert.True(await decoder.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        await cts.CancelAsync();
        decoder.Release.Set();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scoring);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(before[i] + 1, EngineMetrics.Requests.WithLabels(names[i], EngineMetrics.Outcome.Cancelled).Value);
        }
    }

    [Fact]
    public async Task ScoreAsync_QueueTakenByAnImageStillDecoding_NextImageRefusedOnArrivalWithoutWaitingOrDecoding()
    {
        // Arrange: a queue of one place, a pool of two workers; the first image holds the place while it decodes.
        _folder.AddTinyModel("outcome-admission");
        await using ModelHost host = TinyModelHost.Create(_folder.Root, _time, new BatchingOptions { QueueCapacity = 1 });
        host.WarmUp();
        using CpuWorkPool pool = new(2);
        using GatedDecoder decoder = new(new ImageSharpDecoder(new ImagingOptions()));
        ScoringEngine engine = new(host, decoder, pool);
        ScoringRequest request = Request() with { Models = ["outcome-admission"] };
        double rejectedBefore = EngineMetrics.Requests.WithLabels("outcome-admission", EngineMetrics.Outcome.Rejected).Value;
        // On its own task: with a free worker the decode runs inline, and it is held at the gate.
        Task<ImageScore> first = Task.Run(() => engine.ScoreAsync(request, CancellationToken.None));
        Assert.True(await decoder.Entered.WaitAsync(TimeSpan.FromSeconds(30)));

        // Act: refused before the method's first wait (a free worker was there; it was not used).
        Task<ImageScore> second = engine.ScoreAsync(request, CancellationToken.None);

        // Assert
        Assert.True(second.IsFaulted);
        await Assert.ThrowsAsync<QueueFullException>(() => second);
        Assert.Equal(rejectedBefore + 1, EngineMetrics.Requests.WithLabels("outcome-admission", EngineMetrics.Outcome.Rejected).Value);
        Assert.Equal(0, decoder.Entered.CurrentCount);
        decoder.Release.Set();
        await first;
        Assert.Equal(0, host.Models.Single(m => m.Name == "outcome-admission").Batcher.QueueDepth);
    }

    [Fact]
    public async Task ScoreAsync_DecoderFailsUnexpectedly_EachModelCountedAsFailedOnce()
    {
        // Arrange: a decoder bug (not a refused image), which the client sees as INTERNAL.
        string[] names = ["outcome-broken-a", "outcome-broken-b"];
        foreach (string name in names)
        {
            _folder.AddTinyModel(name);
        }

        await using ModelHost host = CreateHost();
        host.WarmUp();
        using CpuWorkPool pool = new(1);
        ScoringEngine engine = new(host, new ThrowingDecoder(), pool);
        string[] outcomes = [EngineMetrics.Outcome.Failed, EngineMetrics.Outcome.Invalid, EngineMetrics.Outcome.Cancelled, EngineMetrics.Outcome.Success];
        double[] before = [.. names.SelectMany(n => outcomes.Select(o => EngineMetrics.Requests.WithLabels(n, o).Value))];

        // Act
        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.ScoreAsync(Request() with { Models = names }, CancellationToken.None));

        // Assert: failed once for each model, nothing else.
        double[] after = [.. names.SelectMany(n => outcomes.Select(o => EngineMetrics.Requests.WithLabels(n, o).Value))];
        Assert.Equal([before[0] + 1, before[1], before[2], before[3], before[4] + 1, before[5], before[6], before[7]], after);
    }

    /// <summary>A decoder with a bug: every decode throws an exception that is not a refused image.</summary>
    private sealed class ThrowingDecoder : IImageDecoder
    {
        public ImageHeader Identify(ReadOnlyMemory<byte> data) => throw new InvalidOperationException("decoder bug");

        public DecodedImage Decode(ReadOnlyMemory<byte> data) => throw new InvalidOperationException("decoder bug");
    }

    /// <summary>A decoder that signals when a decode starts and holds it until released (a sync point).</summary>
    private sealed class GatedDecoder(IImageDecoder inner) : IImageDecoder, IDisposable
    {
        public SemaphoreSlim Entered { get; } = new(0);

        public ManualResetEventSlim Release { get; } = new();

        public ImageHeader Identify(ReadOnlyMemory<byte> data) => inner.Identify(data);

        public DecodedImage Decode(ReadOnlyMemory<byte> data)
        {
            Entered.Release();
            Release.Wait();
            return inner.Decode(data);
        }

        public void Dispose()
        {
            Entered.Dispose();
            Release.Dispose();
        }
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
