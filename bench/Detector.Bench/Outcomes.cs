using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using HdrHistogram;

namespace Detector.Bench;

/// <summary>
/// Counts the outcome of every image sent in one phase: sent = ok + rejected (RESOURCE_EXHAUSTED) + failed + lost, where lost
/// (sent but never answered, not even with an error) must be zero. Latencies in microseconds in an HdrHistogram.
/// </summary>
internal sealed class Outcomes
{
    private const long HighestMicros = 10L * 60 * 1_000_000;

    private readonly ConcurrentDictionary<StatusCode, long> _failedByCode = new();
    private long _sent;
    private long _ok;
    private long _rejected;
    private long _failed;
    private long _skipped;
    private long _okInWindow;
    private long _windowEnd = long.MaxValue;

    private readonly object _stagesGate = new();
    private double _decode;
    private double _preprocess;
    private double _queue;
    private double _inference;
    private double _evidence;
    private long _timed;

    public LongConcurrentHistogram Latency { get; } = new(1, HighestMicros, 3);

    /// <summary>The server's own total time per image (ImageResult.timings.total_seconds), to split server time from transport.</summary>
    public LongConcurrentHistogram ServerTotal { get; } = new(1, HighestMicros, 3);

    /// <summary>Mean seconds per stage as the server reported them: decode, preprocess, queue, inference.</summary>
    public (double Decode, double Preprocess, double Queue, double Inference) StageMeans
    {
        get
        {
            lock (_stagesGate)
            {
                return _timed == 0 ? (double.NaN, double.NaN, double.NaN, double.NaN) : (_decode / _timed, _preprocess / _timed, _queue / _timed, _inference / _timed);
            }
        }
    }

    /// <summary>Mean seconds of the server's evidence stage per image (0 when the layer did not run).</summary>
    public double EvidenceMean
    {
        get
        {
            lock (_stagesGate)
            {
                return _timed == 0 ? double.NaN : _evidence / _timed;
            }
        }
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Ok => Interlocked.Read(ref _ok);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Failed => Interlocked.Read(ref _failed);

    public long Lost => Sent - Ok - Rejected - Failed;

    /// <summary>Open loop only: sends not made because the client already had its maximum in flight (not counted as sent).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Images answered OK before the measurement window closed (the throughput numerator).</summary>
    public long OkInWindow => Interlocked.Read(ref _okInWindow);

    public IReadOnlyDictionary<StatusCode, long> FailedByCode => _failedByCode;

    /// <summary>Completions after this timestamp still count for accounting, but not for throughput.</summary>
    public void CloseWindowAt(long stopwatchTimestamp) => Interlocked.Exchange(ref _windowEnd, stopwatchTimestamp);

    public void AddSent(long images) => Interlocked.Add(ref _sent, images);

    public void AddSkipped() => Interlocked.Increment(ref _skipped);

    /// <summary>Records one image's outcome by gRPC status code.</summary>
    public void Add(StatusCode code, long count = 1)
    {
        if (code == StatusCode.OK)
        {
            Interlocked.Add(ref _ok, count);
            if (Stopwatch.GetTimestamp() <= Interlocked.Read(ref _windowEnd))
            {
                Interlocked.Add(ref _okInWindow, count);
            }
        }
        else if (code == StatusCode.ResourceExhausted)
        {
            Interlocked.Add(ref _rejected, count);
        }
        else
        {
            Interlocked.Add(ref _failed, count);
            _failedByCode.AddOrUpdate(code, count, (_, n) => n + count);
        }
    }

    public void RecordLatency(long startTimestamp)
    {
        long micros = (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds;
        Latency.RecordValue(Math.Clamp(micros, 1, HighestMicros));
    }

    /// <summary>Records the stage timings the server returned with an OK result.</summary>
    public void RecordServerTimings(Detector.Api.V1.Timings? timings)
    {
        if (timings is null || timings.TotalSeconds <= 0)
        {
            return;
        }

        ServerTotal.RecordValue(Math.Clamp((long)(timings.TotalSeconds * 1_000_000), 1, HighestMicros));
        lock (_stagesGate)
        {
            _decode += timings.DecodeSeconds;
            _preprocess += timings.PreprocessSeconds;
            // Waiting, for a decode worker or in the model's queue (the server reports them apart since 2026-11-29 08:30 UTC).
            _queue += timings.WorkerWaitSeconds + timings.QueueSeconds;
            _inference += timings.InferenceSeconds;
            _evidence += timings.EvidenceSeconds;
            _timed++;
        }
    }

    public string DescribeFailures() =>
        _failedByCode.IsEmpty ? "" : string.Join(", ", _failedByCode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
}
