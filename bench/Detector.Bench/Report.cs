using System.Globalization;
using System.Text;

namespace Detector.Bench;

/// <summary>Everything one run measured, and how it was run.</summary>
internal sealed class RunReport
{
    public required string Label { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required string CommandLine { get; init; }

    public required MachineFacts Machine { get; init; }

    public required string Images { get; init; }

    public required string Model { get; init; }

    /// <summary>Which builds ran: each binary's informational version, which carries the commit it was built from.</summary>
    public required string Builds { get; init; }

    public List<string> ServerCommandLines { get; } = [];

    public List<string> ServerModels { get; } = [];

    public List<string> ServerProviderLines { get; } = [];

    public List<string> EffectiveSettings { get; } = [];

    public List<PhaseResult> Phases { get; } = [];

    public List<PhaseResult> CeilingRows { get; } = [];

    public List<SoakSample> Soak { get; } = [];

    /// <summary>Per round of the paired c=1 comparison: the in-process and the service median latency, ms.</summary>
    public List<(string Variant, double InProcessP50Ms, double ServiceP50Ms)> PairedC1 { get; } = [];

    /// <summary>Per round of the paired throughput comparison: the in-process ceiling and the service, images/s.</summary>
    public List<(string Variant, int Concurrency, double CeilingImagesPerSecond, double ServiceImagesPerSecond)> PairedThroughput { get; } = [];

    /// <summary>Rounds of the paired evidence comparison: throughput with evidence none and with the compared level, one server.</summary>
    public List<(string Variant, int Concurrency, string Level, double NoneImagesPerSecond, double LevelImagesPerSecond)> PairedEvidence { get; } = [];

    public List<string> Notes { get; } = [];

    public (long Sent, long Ok, long Rejected, long Failed, long Lost) Totals { get; set; }

    public double LoadAtStart { get; set; } = double.NaN;

    public double LoadAtEnd { get; set; } = double.NaN;

    public bool NothingLost => Totals.Lost == 0 && Phases.All(p => p.Lost == 0) && CeilingRows.All(p => p.Lost == 0);
}

/// <summary>Writes a run's CSV (one row per phase, soak samples in a second file) and its markdown summary.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<string> Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        string stem = Path.Combine(directory, $"{report.StartedAt.UtcDateTime:yyyyMMdd-HHmmss}-{report.Label}");
        List<string> written = [];

        StringBuilder csv = new();
        csv.AppendLine("label,phase,mode,concurrency,target_rate,batch_images,seconds,sent,ok,rejected,failed,lost,skipped,images_per_s,images_per_core_s,latency_of,p50_ms,p90_ms,p99_ms,max_ms,server_total_p50_ms,server_decode_mean_ms,server_preprocess_mean_ms,server_queue_mean_ms,server_inference_mean_ms,server_cores,bench_cores,other_cores,rss_start_mib,rss_end_mib,loadavg_1m,failures");
        foreach (PhaseResult p in report.CeilingRows.Concat(report.Phases))
        {
            csv.AppendLine(string.Join(',', [
                report.Label, Quote(p.Name), p.Mode, I(p.Concurrency), F(p.TargetRate), I(p.BatchImages), F(p.Seconds),
                L(p.Sent), L(p.Ok), L(p.Rejected), L(p.Failed), L(p.Lost), L(p.Skipped), F(p.ImagesPerSecond), F(p.ImagesPerCoreSecond), p.LatencyOf,
                F(p.P50Ms), F(p.P90Ms), F(p.P99Ms), F(p.MaxMs), F(p.ServerP50Ms), F(p.StageMeansMs.Decode), F(p.StageMeansMs.Preprocess), F(p.StageMeansMs.Queue), F(p.StageMeansMs.Inference), F(p.ServerCores), F(p.BenchCores), F(p.OtherCores),
                F(p.RssStartMiB), F(p.RssEndMiB), F(p.LoadAverage), Quote(p.Failures)]));
        }

        File.WriteAllText(stem + ".csv", csv.ToString());
        written.Add(stem + ".csv");

        if (report.Soak.Count > 0)
        {
            StringBuilder soak = new();
            soak.AppendLine("seconds,rss_mib,images_per_s,server_cores,threads");
            foreach (SoakSample s in report.Soak)
            {
                soak.AppendLine(string.Join(',', F(s.Seconds), F(s.RssMiB), F(s.ImagesPerSecond), F(s.ServerCores), I(s.Threads)));
            }

            File.WriteAllText(stem + "-soak.csv", soak.ToString());
            written.Add(stem + "-soak.csv");
        }

        File.WriteAllText(stem + ".md", Markdown(report));
        written.Add(stem + ".md");
        return written;
    }

    public static string Markdown(RunReport r)
    {
        StringBuilder md = new();
        md.AppendLine(Inv, $"# Detector load benchmark: {r.Label}");
        md.AppendLine();
        md.AppendLine(Inv, $"Started {r.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(r.CommandLine);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine(Inv, $"- CPU: {r.Machine.Cpu}, {r.Machine.Cores} cores visible, {r.Machine.Memory}");
        md.AppendLine(Inv, $"- OS: {r.Machine.Os}; {r.Machine.DotNet}; ONNX Runtime {r.Machine.OnnxRuntime} (providers: {r.Machine.Providers})");
        md.AppendLine(Inv, $"- Load average (1 min) at start {F1(r.LoadAtStart)}, at end {F1(r.LoadAtEnd)}. The machine is shared: 'other cores' in each row is the CPU used by everything but the server and the bench during that row.");
        md.AppendLine();
        md.AppendLine("## Service under test");
        md.AppendLine();
        md.AppendLine(Inv, $"- Model: {r.Model} ({string.Join("; ", r.ServerModels)})");
        md.AppendLine(Inv, $"- Builds: {r.Builds}");
        foreach (string server in r.ServerCommandLines.DefaultIfEmpty("(not started by the bench)"))
        {
            md.AppendLine(Inv, $"- Server: `{server}`");
        }

        foreach (string s in r.EffectiveSettings)
        {
            md.AppendLine(Inv, $"- {s}");
        }

        foreach (string line in r.ServerProviderLines)
        {
            md.AppendLine(Inv, $"- Server log: `{line}`");
        }

        md.AppendLine(Inv, $"- Images: {r.Images}");
        md.AppendLine();
        md.AppendLine("## Results");
        md.AppendLine();
        md.AppendLine("| phase | images/s | images per core-s | p50 ms | p90 ms | p99 ms | max ms | server p50 ms | decode+preprocess / queue / inference ms | sent | ok | rejected | failed | lost | server cores | bench cores | other cores | server RSS MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (PhaseResult p in r.CeilingRows.Concat(r.Phases))
        {
            string latencyNote = p.LatencyOf == "call" ? " (per call)" : "";
            md.AppendLine(Inv, $"| {p.Name}{latencyNote} | {F1(p.ImagesPerSecond)} | {F1(p.ImagesPerCoreSecond)} | {F1(p.P50Ms)} | {F1(p.P90Ms)} | {F1(p.P99Ms)} | {F1(p.MaxMs)} | {F1(p.ServerP50Ms)} | {Stages(p)} | {p.Sent} | {p.Ok} | {p.Rejected} | {p.Failed} | {p.Lost} | {F2(p.ServerCores)} | {F2(p.BenchCores)} | {F2(p.OtherCores)} | {Rss(p)} |");
        }

        md.AppendLine();
        md.AppendLine("## Ratios and checks");
        md.AppendLine();
        foreach (string line in Ratios(r))
        {
            md.AppendLine(Inv, $"- {line}");
        }

        md.AppendLine(Inv, $"- Accounting over every phase, warm-ups included: sent {r.Totals.Sent} = ok {r.Totals.Ok} + rejected {r.Totals.Rejected} + failed {r.Totals.Failed} + lost {r.Totals.Lost}: {(r.NothingLost ? "PASS (nothing lost)" : "FAIL (images lost)")}");
        if (r.Soak.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Memory over the soak");
            md.AppendLine();
            SoakSample first = r.Soak[0];
            SoakSample last = r.Soak[^1];
            md.AppendLine(Inv, $"Server VmRSS: {F1(first.RssMiB)} MiB at start, {F1(last.RssMiB)} MiB at end, min {F1(r.Soak.Min(s => s.RssMiB))}, max {F1(r.Soak.Max(s => s.RssMiB))} MiB over {F1(last.Seconds)} s; threads {first.Threads} → {last.Threads}.");
            SoakSample? firstMinute = r.Soak.FirstOrDefault(s => s.Seconds >= 60);
            if (firstMinute is not null)
            {
                md.AppendLine(Inv, $"After the first minute: {F1(firstMinute.RssMiB)} MiB at {F1(firstMinute.Seconds)} s → {F1(last.RssMiB)} MiB at the end ({F1(last.RssMiB - firstMinute.RssMiB)} MiB).");
            }

            md.AppendLine();
            md.AppendLine("| s | RSS MiB | images/s | server cores | threads |");
            md.AppendLine("|---:|---:|---:|---:|---:|");
            foreach (SoakSample s in r.Soak)
            {
                md.AppendLine(Inv, $"| {F1(s.Seconds)} | {F1(s.RssMiB)} | {F1(s.ImagesPerSecond)} | {F2(s.ServerCores)} | {s.Threads} |");
            }
        }

        if (r.Notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (string note in r.Notes)
            {
                md.AppendLine(Inv, $"- {note}");
            }
        }

        return md.ToString();
    }

    /// <summary>The service's throughput against each ceiling, and c=1 latency against the in-process single-image latency.</summary>
    public static IEnumerable<string> Ratios(RunReport r)
    {
        // The ceilings at the server's own max batch (the first pipeline row), and the best bare-model row.
        PhaseResult? pipeline = r.CeilingRows.FirstOrDefault(p => p.Mode == "inproc-pipeline");
        PhaseResult? bestPipeline = r.CeilingRows.Where(p => p.Mode == "inproc-pipeline").MaxBy(p => p.ImagesPerSecond);
        PhaseResult? bare = r.CeilingRows.Where(p => p.Mode == "bare-model").MaxBy(p => p.ImagesPerSecond);
        PhaseResult? engine = r.CeilingRows.FirstOrDefault(p => p.Mode == "engine");
        PhaseResult? single = r.CeilingRows.FirstOrDefault(p => p.Mode == "inproc-single");
        // The load phases only: a paired slice is compared with its own round's ceiling below, not with this one of minutes before.
        List<PhaseResult> load = [.. r.Phases.Where(p => !p.Name.Contains("paired", StringComparison.Ordinal))];
        foreach (PhaseResult p in load.Where(p => p.Mode is "unary" or "batch" or "stream" && p.Concurrency == load.Where(q => q.Mode == p.Mode).Max(q => q.Concurrency)))
        {
            if (pipeline is not null)
            {
                yield return $"{p.Name}: {F1(p.ImagesPerSecond)} images/s = {F2(p.ImagesPerSecond / pipeline.ImagesPerSecond)} × in-process ceiling ({F1(pipeline.ImagesPerSecond)}; target ≥ 0.9)"
                    + (bare is null ? "" : $", {F3(p.ImagesPerSecond / bare.ImagesPerSecond)} × bare model ceiling ({F1(bare.ImagesPerSecond)} at batch {bare.BatchImages})")
                    + (bestPipeline is null || bestPipeline == pipeline ? "" : $", {F2(p.ImagesPerSecond / bestPipeline.ImagesPerSecond)} × the best in-process ceiling ({F1(bestPipeline.ImagesPerSecond)} at batch {bestPipeline.BatchImages})")
                    + (engine is null ? "" : $", {F2(p.ImagesPerSecond / engine.ImagesPerSecond)} × engine without gRPC ({F1(engine.ImagesPerSecond)})")
                    + $"; per core-second (each side's own CPU, other tenants factored out): {F2(p.ImagesPerCoreSecond / pipeline.ImagesPerCoreSecond)} × in-process ceiling"
                    + (bestPipeline is null || bestPipeline == pipeline ? "" : $", {F2(p.ImagesPerCoreSecond / bestPipeline.ImagesPerCoreSecond)} × the best in-process ceiling")
                    + (engine is null ? "" : $", {F2(p.ImagesPerCoreSecond / engine.ImagesPerCoreSecond)} × engine");
            }
        }

        if (single is not null)
        {
            foreach (PhaseResult c1 in r.Phases.Where(p => p.Mode == "unary" && p.Concurrency == 1 && !p.Name.Contains("paired", StringComparison.Ordinal)))
            {
                double delta = c1.P50Ms - single.P50Ms;
                yield return $"{c1.Name}: service median {F2(c1.P50Ms)} ms vs in-process single image {F2(single.P50Ms)} ms: {Signed(delta)} ms (target ≤ +2 ms: {(delta <= 2 ? "met" : "NOT met")})";
            }
        }

        foreach (string line in PairedThroughputLines(r))
        {
            yield return line;
        }

        foreach (IGrouping<string, (string Variant, int Concurrency, string Level, double NoneImagesPerSecond, double LevelImagesPerSecond)> rounds in r.PairedEvidence.GroupBy(p => p.Variant + p.Level))
        {
            (string variant, int concurrency, string level, _, _) = rounds.First();
            double[] ratios = [.. rounds.Select(p => p.LevelImagesPerSecond / p.NoneImagesPerSecond)];
            double median = Median(ratios);
            yield return $"{variant}paired evidence at unary c={concurrency}, {level} vs none ({ratios.Length} rounds, ABBA, one server): median of the per-round ratios {F3(median)}× = {Signed((median - 1) * 100)} % throughput "
                + $"(rounds {string.Join(", ", rounds.Select(p => F3(p.LevelImagesPerSecond / p.NoneImagesPerSecond)))}; "
                + $"{level} {F1(Median(rounds.Select(p => p.LevelImagesPerSecond)))} vs none {F1(Median(rounds.Select(p => p.NoneImagesPerSecond)))} images/s, medians of the rounds)";
        }

        foreach (IGrouping<string, (string Variant, double InProcessP50Ms, double ServiceP50Ms)> rounds in r.PairedC1.GroupBy(p => p.Variant))
        {
            double[] deltas = [.. rounds.Select(p => p.ServiceP50Ms - p.InProcessP50Ms)];
            double median = Median(deltas);
            yield return $"{rounds.Key}paired c=1 ({deltas.Length} rounds, ABBA): median of the per-round differences {Signed(median)} ms "
                + $"(rounds {string.Join(", ", rounds.Select(p => Signed(p.ServiceP50Ms - p.InProcessP50Ms)))}; "
                + $"service {F2(Median(rounds.Select(p => p.ServiceP50Ms)))} ms vs in-process {F2(Median(rounds.Select(p => p.InProcessP50Ms)))} ms, medians of the rounds) "
                + $"(target ≤ +2 ms: {(median <= 2 ? "met" : "NOT met")})";
        }
    }

    private static IEnumerable<string> PairedThroughputLines(RunReport r)
    {
        foreach (IGrouping<string, (string Variant, int Concurrency, double CeilingImagesPerSecond, double ServiceImagesPerSecond)> rounds in r.PairedThroughput.GroupBy(p => p.Variant))
        {
            double[] ratios = [.. rounds.Select(p => p.ServiceImagesPerSecond / p.CeilingImagesPerSecond)];
            double median = Median(ratios);
            yield return $"{rounds.Key}paired unary c={rounds.First().Concurrency} vs in-process ceiling ({ratios.Length} rounds, ABBA): median of the per-round ratios {F2(median)}× "
                + $"(rounds {string.Join(", ", rounds.Select(p => F2(p.ServiceImagesPerSecond / p.CeilingImagesPerSecond)))}; "
                + $"service {F1(Median(rounds.Select(p => p.ServiceImagesPerSecond)))} vs ceiling {F1(Median(rounds.Select(p => p.CeilingImagesPerSecond)))} images/s, medians of the rounds) "
                + $"(target ≥ 0.9: {(median >= 0.9 ? "met" : "NOT met")})";
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Signed(double v) => (v >= 0 ? "+" : "") + F2(v);

    // Decode and preprocessing together: the in-process single-image row times them as one (its preprocess is NaN), the
    // server reports them apart, so the service rows showed decode alone beside the in-process decode + preprocess.
    private static string Stages(PhaseResult p) =>
        double.IsNaN(p.StageMeansMs.Decode) ? "" : $"{F1(p.StageMeansMs.Decode + (double.IsNaN(p.StageMeansMs.Preprocess) ? 0 : p.StageMeansMs.Preprocess))} / {F1(p.StageMeansMs.Queue)} / {F1(p.StageMeansMs.Inference)}";

    private static string Rss(PhaseResult p) => double.IsNaN(p.RssStartMiB) ? "" : $"{F1(p.RssStartMiB)} → {F1(p.RssEndMiB)}";

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;

    private static string I(int v) => v.ToString(Inv);

    private static string L(long v) => v.ToString(Inv);

    private static string F(double v) => double.IsNaN(v) ? "" : v.ToString("0.####", Inv);

    private static string F1(double v) => double.IsNaN(v) ? "–" : v.ToString("F1", Inv);

    private static string F2(double v) => double.IsNaN(v) ? "–" : v.ToString("F2", Inv);

    private static string F3(double v) => double.IsNaN(v) ? "–" : v.ToString("F3", Inv);
}
