using HdrHistogram;

namespace Detector.Bench;

/// <summary>One measured row: a load phase against the service, or an in-process ceiling.</summary>
internal sealed record PhaseResult
{
    public required string Name { get; init; }

    /// <summary>unary, batch, stream, open-loop, soak; or inproc-pipeline, bare-model, inproc-single, engine.</summary>
    public required string Mode { get; init; }

    public int Concurrency { get; init; }

    public double TargetRate { get; init; }

    public int BatchImages { get; init; } = 1;

    public double Seconds { get; init; }

    public long Sent { get; init; }

    public long Ok { get; init; }

    public long Rejected { get; init; }

    public long Failed { get; init; }

    public long Lost { get; init; }

    public long Skipped { get; init; }

    public string Failures { get; init; } = "";

    public double ImagesPerSecond { get; init; }

    /// <summary>"image" (per image), "call" (per ScoreBatch call) or "" (no latency measured).</summary>
    public string LatencyOf { get; init; } = "image";

    public double P50Ms { get; init; } = double.NaN;

    public double P90Ms { get; init; } = double.NaN;

    public double P99Ms { get; init; } = double.NaN;

    public double MaxMs { get; init; } = double.NaN;

    /// <summary>Median of the server's own total per image (from the response timings), ms.</summary>
    public double ServerP50Ms { get; init; } = double.NaN;

    /// <summary>Mean stage times the server reported, ms: decode, preprocess, queue wait, inference (of the whole batch).</summary>
    public (double Decode, double Preprocess, double Queue, double Inference) StageMeansMs { get; init; } = (double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Mean time of the server's evidence stage per image, ms (it runs beside queueing and inference).</summary>
    public double EvidenceMeanMs { get; init; } = double.NaN;

    public double ServerCores { get; init; } = double.NaN;

    public double BenchCores { get; init; } = double.NaN;

    public double OtherCores { get; init; } = double.NaN;

    /// <summary>
    /// Images per CPU-second that the server and the bench got: throughput with the other tenants of a shared machine factored
    /// out (on an idle 2-core machine it is roughly images/s ÷ 2 when the system is CPU-bound).
    /// </summary>
    public double ImagesPerCoreSecond
    {
        get
        {
            double cores = (double.IsNaN(ServerCores) ? 0 : ServerCores) + (double.IsNaN(BenchCores) ? 0 : BenchCores);
            return cores > 0.05 ? ImagesPerSecond / cores : double.NaN;
        }
    }

    public double RssStartMiB { get; init; } = double.NaN;

    public double RssEndMiB { get; init; } = double.NaN;

    public double LoadAverage { get; init; } = double.NaN;

    /// <summary>Copies the server-reported timings.</summary>
    public PhaseResult WithServerTimings(Outcomes outcomes)
    {
        (double d, double p, double q, double i) = outcomes.StageMeans;
        return this with
        {
            ServerP50Ms = outcomes.ServerTotal.TotalCount == 0 ? double.NaN : outcomes.ServerTotal.GetValueAtPercentile(50) / 1000.0,
            StageMeansMs = (d * 1000, p * 1000, q * 1000, i * 1000),
            EvidenceMeanMs = outcomes.EvidenceMean * 1000,
        };
    }

    /// <summary>Copies the percentiles of a microsecond histogram, in milliseconds.</summary>
    public PhaseResult WithLatency(HistogramBase histogram, string of)
    {
        if (histogram.TotalCount == 0)
        {
            return this with { LatencyOf = of };
        }

        return this with
        {
            LatencyOf = of,
            P50Ms = histogram.GetValueAtPercentile(50) / 1000.0,
            P90Ms = histogram.GetValueAtPercentile(90) / 1000.0,
            P99Ms = histogram.GetValueAtPercentile(99) / 1000.0,
            MaxMs = histogram.GetMaxValue() / 1000.0,
        };
    }
}
