using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Detector.Api.V1;
using Grpc.Core;

namespace Detector.Bench;

/// <summary>
/// Drives the service: closed loops (a fixed number of images in flight, each answer starting the next request) for Score,
/// ScoreBatch and ScoreStream, and an open loop (Score at a fixed rate whatever the answers). Every loop stops at its deadline
/// and its request budget, every call carries a deadline, and every image sent is counted in exactly one outcome.
/// </summary>
internal sealed class LoadRunner
{
    private readonly DetectorService.DetectorServiceClient _client;
    private readonly ImageSet _images;
    private readonly BenchSettings _settings;
    private readonly int? _serverPid;
    private readonly string _prefix;
    private readonly TextWriter _log;
    private readonly List<Outcomes> _all = [];
    private long _sequence = -1;

    public LoadRunner(DetectorService.DetectorServiceClient client, ImageSet images, BenchSettings settings, int? serverPid, string prefix, TextWriter log)
    {
        _prefix = prefix;
        _client = client;
        _images = images;
        _settings = settings;
        _serverPid = serverPid;
        _log = log;
    }

    /// <summary>When set, the evidence level of the requests sent from now on, instead of --evidence (the paired evidence comparison).</summary>
    public EvidenceLevel? EvidenceOverride { get; set; }

    /// <summary>Put before every phase name (the variant, when a run has several).</summary>
    public string Prefix => _prefix;

    /// <summary>Totals over every phase of the run, warm-ups included.</summary>
    public (long Sent, long Ok, long Rejected, long Failed, long Lost) Totals
    {
        get
        {
            lock (_all)
            {
                return (_all.Sum(o => o.Sent), _all.Sum(o => o.Ok), _all.Sum(o => o.Rejected), _all.Sum(o => o.Failed), _all.Sum(o => o.Lost));
            }
        }
    }

    public Task<PhaseResult> ClosedLoopAsync(string mode, int concurrency, TimeSpan duration, TimeSpan warmUp, string? name = null) => mode switch
    {
        "unary" => MeasureAsync(name ?? $"unary c={concurrency}", mode, concurrency, 0, 1, "image", duration, warmUp, (o, stopAt, budget) => RunUnaryAsync(concurrency, o, stopAt, budget)),
        "batch" => MeasureBatchAsync(concurrency, duration, warmUp, name),
        "stream" => MeasureAsync(name ?? $"stream c={concurrency}", mode, concurrency, 0, 1, "image", duration, warmUp, (o, stopAt, budget) => RunStreamsAsync(concurrency, o, stopAt, budget)),
        _ => throw new ArgumentException($"unknown mode '{mode}'", nameof(mode)),
    };

    /// <summary>
    /// Score at concurrency 1 over exactly <paramref name="images"/> images of the set, starting at its first image, so that
    /// two such passes (here and in-process) time the same images in the same order.
    /// </summary>
    public Task<PhaseResult> UnaryPassAsync(string name, int images)
    {
        Interlocked.Exchange(ref _sequence, -1);
        return MeasureAsync(name, "unary", 1, 0, 1, "image", TimeSpan.FromMinutes(30), TimeSpan.Zero, (o, stopAt, budget) => RunUnaryAsync(1, o, stopAt, budget), images);
    }

    public Task<PhaseResult> OpenLoopAsync(double rate, TimeSpan duration, TimeSpan warmUp) =>
        MeasureAsync($"open-loop {rate:F1}/s", "open-loop", 0, rate, 1, "image", duration, warmUp, (o, stopAt, budget) => RunOpenLoopAsync(rate, o, stopAt, budget));

    /// <summary>A long closed loop, sampling the server's resident set every <paramref name="every"/>.</summary>
    public async Task<(PhaseResult Result, IReadOnlyList<SoakSample> Samples)> SoakAsync(int concurrency, TimeSpan duration, TimeSpan every)
    {
        List<SoakSample> samples = [];
        using CancellationTokenSource done = new();
        long started = Stopwatch.GetTimestamp();
        Outcomes? current = null;
        Task sampler = Task.Run(async () =>
        {
            long lastOk = 0;
            CpuSample lastCpu = ProcStats.Sample(_serverPid);
            using PeriodicTimer timer = new(every);
            samples.Add(new SoakSample(0, ProcStats.RssMiB(_serverPid), 0, 0, ProcStats.Threads(_serverPid)));
            try
            {
                while (await timer.WaitForNextTickAsync(done.Token))
                {
                    long ok = Volatile.Read(ref current)?.Ok ?? 0;
                    CpuSample cpu = ProcStats.Sample(_serverPid);
                    double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    samples.Add(new SoakSample(elapsed, ProcStats.RssMiB(_serverPid), (ok - lastOk) / every.TotalSeconds, ProcStats.Cores(lastCpu, cpu).Server, ProcStats.Threads(_serverPid)));
                    _log.WriteLine($"  soak {elapsed,6:F0} s: RSS {samples[^1].RssMiB:F1} MiB, {samples[^1].ImagesPerSecond:F1} images/s");
                    lastOk = ok;
                    lastCpu = cpu;
                }
            }
            catch (OperationCanceledException)
            {
                // The soak ended.
            }
        });

        PhaseResult result = await MeasureAsync($"soak unary c={concurrency}", "soak", concurrency, 0, 1, "image", duration, TimeSpan.Zero, (o, stopAt, budget) =>
        {
            Volatile.Write(ref current, o);
            return RunUnaryAsync(concurrency, o, stopAt, budget);
        });
        await done.CancelAsync();
        await sampler;
        samples.Add(new SoakSample(Stopwatch.GetElapsedTime(started).TotalSeconds, ProcStats.RssMiB(_serverPid), 0, 0, ProcStats.Threads(_serverPid)));
        return (result, samples);
    }

    private Task<PhaseResult> MeasureBatchAsync(int concurrency, TimeSpan duration, TimeSpan warmUp, string? name)
    {
        int perCall = Math.Min(_settings.BatchImages, concurrency);
        int calls = (concurrency + perCall - 1) / perCall;
        return MeasureAsync(name ?? $"batch c={concurrency} ({calls}x{perCall})", "batch", concurrency, 0, perCall, "call", duration, warmUp, (o, stopAt, budget) => RunBatchesAsync(calls, perCall, o, stopAt, budget));
    }

    private async Task<PhaseResult> MeasureAsync(string name, string mode, int concurrency, double rate, int batchImages, string latencyOf, TimeSpan duration, TimeSpan warmUp, Func<Outcomes, long, Budget, Task> body, long? maxRequests = null)
    {
        if (warmUp > TimeSpan.Zero)
        {
            Outcomes warm = Track(new Outcomes());
            await body(warm, Stopwatch.GetTimestamp() + Ticks(warmUp), new Budget(_settings.MaxRequestsPerPhase));
            Check(name + " (warm-up)", warm);
        }

        Outcomes outcomes = Track(new Outcomes());
        double rssStart = ProcStats.RssMiB(_serverPid);
        double load = ProcStats.LoadAverage();
        CpuSample cpuStart = ProcStats.Sample(_serverPid);
        long start = Stopwatch.GetTimestamp();
        long stopAt = start + Ticks(duration);
        outcomes.CloseWindowAt(stopAt);
        await body(outcomes, stopAt, new Budget(maxRequests ?? _settings.MaxRequestsPerPhase));
        CpuSample cpuEnd = ProcStats.Sample(_serverPid);
        (double server, double bench, double other) = ProcStats.Cores(cpuStart, cpuEnd);

        // Throughput over the window; a phase that ran out of budget early is measured over the time it ran.
        double window = Math.Min(duration.TotalSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
        PhaseResult result = new PhaseResult
        {
            Name = _prefix + name,
            Mode = mode,
            Concurrency = concurrency,
            TargetRate = rate,
            BatchImages = batchImages,
            Seconds = window,
            Sent = outcomes.Sent,
            Ok = outcomes.Ok,
            Rejected = outcomes.Rejected,
            Failed = outcomes.Failed,
            Lost = outcomes.Lost,
            Skipped = outcomes.Skipped,
            Failures = outcomes.DescribeFailures(),
            ImagesPerSecond = outcomes.OkInWindow / window,
            ServerCores = server,
            BenchCores = bench,
            OtherCores = other,
            RssStartMiB = rssStart,
            RssEndMiB = ProcStats.RssMiB(_serverPid),
            LoadAverage = load,
        }.WithLatency(outcomes.Latency, latencyOf).WithServerTimings(outcomes);
        Check(name, outcomes);
        return result;
    }

    private Outcomes Track(Outcomes outcomes)
    {
        lock (_all)
        {
            _all.Add(outcomes);
        }

        return outcomes;
    }

    private void Check(string name, Outcomes o)
    {
        if (o.Lost != 0)
        {
            _log.WriteLine($"LOST: {name}: sent {o.Sent} != ok {o.Ok} + rejected {o.Rejected} + failed {o.Failed} (lost {o.Lost})");
        }

        if (o.Failed != 0)
        {
            _log.WriteLine($"  {name}: {o.Failed} failed ({o.DescribeFailures()})");
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private DateTime Deadline() => DateTime.UtcNow + _settings.CallDeadline;

    private (long Sequence, BenchImage Image) Next()
    {
        long sequence = Interlocked.Increment(ref _sequence);
        return (sequence, _images[sequence]);
    }

    private ScoreOptions Options() => new() { Models = { _settings.Model }, SkipEvidence = _settings.SkipEvidence, Evidence = EvidenceOverride ?? _settings.Evidence };

    private static Task RunWorkers(int count, Func<Task> worker)
    {
        Task[] workers = new Task[count];
        for (int i = 0; i < count; i++)
        {
            workers[i] = Task.Run(worker);
        }

        return Task.WhenAll(workers);
    }

    private Task RunUnaryAsync(int concurrency, Outcomes o, long stopAt, Budget budget) => RunWorkers(concurrency, async () =>
    {
        while (Stopwatch.GetTimestamp() < stopAt && budget.TryTake(1))
        {
            StatusCode code = await ScoreOnceAsync(o, Stopwatch.GetTimestamp());
            if (code == StatusCode.ResourceExhausted)
            {
                await Task.Delay(20); // a refused client backs off instead of spinning
            }
        }
    });

    /// <summary>One Score call; latency measured from <paramref name="startTimestamp"/> (the intended send time in the open loop).</summary>
    private async Task<StatusCode> ScoreOnceAsync(Outcomes o, long startTimestamp)
    {
        (long sequence, BenchImage image) = Next();
        ScoreRequest request = new()
        {
            Image = new ImageInput { Id = sequence.ToString(CultureInfo.InvariantCulture), Data = image.Wire },
            Options = Options(),
        };
        o.AddSent(1);
        StatusCode code;
        try
        {
            ScoreResponse response = await _client.ScoreAsync(request, deadline: Deadline());
            code = (StatusCode)(response.Result?.Status?.Code ?? 0);
            o.RecordServerTimings(response.Result?.Timings);
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
        {
            code = StatusCode.Unknown;
        }

        o.RecordLatency(startTimestamp);
        o.Add(code);
        return code;
    }

    private Task RunBatchesAsync(int calls, int perCall, Outcomes o, long stopAt, Budget budget) => RunWorkers(calls, async () =>
    {
        while (Stopwatch.GetTimestamp() < stopAt && budget.TryTake(perCall))
        {
            ScoreBatchRequest request = new() { Options = Options() };
            for (int i = 0; i < perCall; i++)
            {
                (long sequence, BenchImage image) = Next();
                request.Images.Add(new ImageInput { Id = sequence.ToString(CultureInfo.InvariantCulture), Data = image.Wire });
            }

            o.AddSent(perCall);
            long start = Stopwatch.GetTimestamp();
            bool refused = false;
            try
            {
                ScoreBatchResponse response = await _client.ScoreBatchAsync(request, deadline: Deadline());

                // One result per image in request order; a missing result stays uncounted and shows as lost.
                foreach (ImageResult result in response.Results)
                {
                    StatusCode code = (StatusCode)(result.Status?.Code ?? 0);
                    refused |= code == StatusCode.ResourceExhausted;
                    o.RecordServerTimings(result.Timings);
                    o.Add(code);
                }
            }
            catch (RpcException ex)
            {
                refused = ex.StatusCode == StatusCode.ResourceExhausted;
                o.Add(ex.StatusCode, perCall);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                o.Add(StatusCode.Unknown, perCall);
            }

            o.RecordLatency(start);
            if (refused)
            {
                await Task.Delay(20);
            }
        }
    });

    private Task RunStreamsAsync(int concurrency, Outcomes o, long stopAt, Budget budget)
    {
        int streams = Math.Max(1, (concurrency + _settings.StreamWindow - 1) / _settings.StreamWindow);
        int window = (concurrency + streams - 1) / streams;
        return RunWorkers(streams, () => RunOneStreamAsync(window, o, stopAt, budget));
    }

    private async Task RunOneStreamAsync(int window, Outcomes o, long stopAt, Budget budget)
    {
        ConcurrentDictionary<string, long> pending = new(StringComparer.Ordinal);
        using SemaphoreSlim slots = new(window, window);
        using CancellationTokenSource receiverDone = new();
        TimeSpan remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), stopAt);
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = _client.ScoreStream(deadline: DateTime.UtcNow + remaining + _settings.CallDeadline);
        StatusCode? streamError = null;

        Task receiver = Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    ImageResult result = call.ResponseStream.Current.Result;
                    if (result is not null && pending.TryRemove(result.Id, out long sentAt))
                    {
                        o.RecordLatency(sentAt);
                        o.Add((StatusCode)(result.Status?.Code ?? 0));
                        o.RecordServerTimings(result.Timings);
                    }

                    slots.Release();
                }
            }
            catch (RpcException ex)
            {
                streamError = ex.StatusCode;
            }
            finally
            {
                await receiverDone.CancelAsync();
            }
        });

        try
        {
            while (Stopwatch.GetTimestamp() < stopAt && budget.TryTake(1))
            {
                await slots.WaitAsync(receiverDone.Token);
                (long sequence, BenchImage image) = Next();
                string id = sequence.ToString(CultureInfo.InvariantCulture);
                pending[id] = Stopwatch.GetTimestamp();
                o.AddSent(1);
                await call.RequestStream.WriteAsync(new ScoreStreamRequest
                {
                    Image = new ImageInput { Id = id, Data = image.Wire },
                    Options = Options(),
                });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The stream broke (the receiver saw why) or ended early: what is pending is settled below.
        }

        await receiver;

        // Images the stream will never answer: failed with the stream's status when it failed; otherwise they stay lost.
        if (streamError is { } code)
        {
            foreach (string id in pending.Keys)
            {
                if (pending.TryRemove(id, out _))
                {
                    o.Add(code);
                }
            }
        }
    }

    private async Task RunOpenLoopAsync(double rate, Outcomes o, long stopAt, Budget budget)
    {
        List<Task> calls = [];
        int inFlight = 0;
        long start = Stopwatch.GetTimestamp();
        for (long k = 0; ; k++)
        {
            long intended = start + (long)(k * Stopwatch.Frequency / rate);
            if (intended >= stopAt || !budget.TryTake(1))
            {
                break;
            }

            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            if (Volatile.Read(ref inFlight) >= _settings.OpenLoopMaxInFlight)
            {
                o.AddSkipped();
                continue;
            }

            Interlocked.Increment(ref inFlight);
            calls.Add(Task.Run(async () =>
            {
                try
                {
                    // From the intended time, or from the send when it is early: a wait of 1 ms or less is not slept.
                    await ScoreOnceAsync(o, Math.Min(intended, Stopwatch.GetTimestamp()));
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            }));
        }

        await Task.WhenAll(calls).WaitAsync(_settings.CallDeadline + TimeSpan.FromSeconds(10));
    }

    /// <summary>The most requests a phase may send.</summary>
    private sealed class Budget(long max)
    {
        private long _left = max;

        public bool TryTake(long count) => Interlocked.Add(ref _left, -count) >= 0;
    }
}

/// <summary>One reading of the soak: seconds since start, the server's resident set, throughput and CPU since the previous reading.</summary>
internal sealed record SoakSample(double Seconds, double RssMiB, double ImagesPerSecond, double ServerCores, int Threads);
