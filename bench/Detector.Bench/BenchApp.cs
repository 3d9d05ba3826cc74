using System.Globalization;
using Detector.Api.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;

namespace Detector.Bench;

/// <summary>One bench run: set up, ceilings, load phases, soak, report. Exit code 0, or 1 when an image was lost.</summary>
internal static class BenchApp
{
    public const int ExitOk = 0;
    public const int ExitLost = 1;
    public const int ExitSetup = 2;
    public const int ExitWrongProvider = 5;

    public static async Task<int> RunAsync(BenchSettings settings, TextWriter log)
    {
        string? repoRoot = RepoPaths.FindRepoRoot();
        string? shared = settings.SharedDirectory ?? RepoPaths.FindShared(repoRoot);
        string manifests = settings.ManifestsDirectory
            ?? (repoRoot is null ? throw new InvalidOperationException("not in a checkout: pass --manifests DIR") : Path.Combine(repoRoot, "tests", "Detector.Engine.Tests", "Conformance", "Manifests"));
        string results = settings.ResultsDirectory
            ?? (repoRoot is null ? Path.Combine(Environment.CurrentDirectory, "results") : Path.Combine(repoRoot, "bench", "results"));

        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        MachineFacts machine = MachineFacts.Read();
        log.WriteLine($"Machine: {machine.Cpu}, {machine.Cores} cores, {machine.Memory}; {machine.DotNet}; ONNX Runtime {machine.OnnxRuntime}; load {ProcStats.LoadAverage():F1}");

        string? data = settings.DataDirectory ?? (shared is null ? null : Path.Combine(shared, "data"));
        ImageSet images = settings.SyntheticImages || data is null || !Directory.Exists(data)
            ? ImageSet.Generate(settings.ImageCount)
            : ImageSet.LoadSample(data, settings.ImageCount);
        log.WriteLine($"Images: {images.Describe()}");

        using ModelFolder models = ModelFolder.Create(settings.Model, manifests, shared, repoRoot, log);
        string? serverPath = settings.StartServer ? settings.ServerPath ?? ServerProcess.DefaultPath(repoRoot) : null;
        IConfiguration configuration = BuildConfiguration(settings, models.Directory, serverPath, repoRoot);

        RunReport report = new()
        {
            Label = settings.Label,
            StartedAt = startedAt,
            CommandLine = settings.CommandLine,
            Machine = machine,
            Images = images.Describe(),
            Builds = BuildVersions.Describe(serverPath),
            Model = settings.Model,
            LoadAtStart = ProcStats.LoadAverage(),
        };

        if (settings.Ceilings)
        {
            // Before any server starts, so that nothing else of ours runs meanwhile; the load phases follow at once.
            await RunCeilingsAsync(settings, configuration, images, report, log);
        }

        if (settings.Ceilings && settings.Variants.Any(v => v.Settings.Any(p => !p.Key.StartsWith("env:", StringComparison.Ordinal))))
        {
            report.Notes.Add("The ceiling rows were measured once, with the run's --server-set keys only: the ratio lines of a variant that changes settings compare it with a ceiling of the base settings. The paired comparisons use each variant's own settings on the in-process side.");
        }

        List<LoadRunner> runners = [];
        foreach (BenchVariant variant in settings.Variants)
        {
            // The in-process side of the paired comparisons reads the variant's keys too ('env:' ones reach only the server).
            IConfiguration variantConfiguration = variant.Settings.Count == 0
                ? configuration
                : BuildConfiguration(settings with { ServerSettings = [.. settings.ServerSettings, .. variant.Settings.Where(p => !p.Key.StartsWith("env:", StringComparison.Ordinal))] }, models.Directory, serverPath, repoRoot);
            runners.Add(await RunVariantAsync(settings, variant, serverPath, models, images, variantConfiguration, report, log));
        }

        report.Totals = (runners.Sum(r => r.Totals.Sent), runners.Sum(r => r.Totals.Ok), runners.Sum(r => r.Totals.Rejected), runners.Sum(r => r.Totals.Failed), runners.Sum(r => r.Totals.Lost));
        report.LoadAtEnd = ProcStats.LoadAverage();
        if (report.Phases.Concat(report.CeilingRows).Any(p => p.OtherCores > 0.5))
        {
            report.Notes.Add("Other processes used more than half a core during some rows (see 'other cores'): those rows measure a shared machine.");
        }

        IReadOnlyList<string> written = Report.Write(report, results);
        log.WriteLine();
        foreach (string line in Report.Ratios(report))
        {
            log.WriteLine(line);
        }

        log.WriteLine($"Accounting: sent {report.Totals.Sent} = ok {report.Totals.Ok} + rejected {report.Totals.Rejected} + failed {report.Totals.Failed} + lost {report.Totals.Lost}");
        log.WriteLine($"Wrote {string.Join(", ", written)}");
        if (!report.NothingLost)
        {
            log.WriteLine("FAIL: images were sent and never answered.");
            return ExitLost;
        }

        return ExitOk;
    }

    /// <summary>Starts the server with the variant's settings (when the bench starts it), runs the load phases, stops it.</summary>
    private static async Task<LoadRunner> RunVariantAsync(BenchSettings settings, BenchVariant variant, string? serverPath, ModelFolder models, ImageSet images, IConfiguration configuration, RunReport report, TextWriter log)
    {
        string prefix = settings.Variants.Count > 1 ? $"[{variant.Name}] " : "";
        ServerProcess? server = null;
        try
        {
            if (serverPath is not null)
            {
                server = ServerProcess.Start(serverPath, models.Directory, settings.Port, [.. settings.ServerSettings, .. variant.Settings], Path.Combine(models.Root, $"server-{variant.Name}.log"));
                report.ServerCommandLines.Add(prefix + server.CommandLine);
                log.WriteLine($"Server {prefix}: {server.CommandLine} (pid {server.Pid})");
            }
            else if (variant.Settings.Count > 0)
            {
                throw new InvalidOperationException("--variant needs --start-server: the bench can only change the settings of a server it starts");
            }

            using GrpcChannel channel = GrpcChannel.ForAddress(settings.GrpcAddress, new GrpcChannelOptions
            {
                MaxReceiveMessageSize = 64 * 1024 * 1024,
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
            });
            if (server is not null)
            {
                await server.WaitReadyAsync(channel, TimeSpan.FromMinutes(3));
            }

            DetectorService.DetectorServiceClient client = new(channel);
            ListModelsResponse listed = await client.ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
            ModelInfo info = listed.Models.FirstOrDefault(m => m.Name == settings.Model)
                ?? throw new InvalidOperationException($"the server has no model '{settings.Model}' (it has {string.Join(", ", listed.Models.Select(m => m.Name))})");
            report.ServerModels.Add($"{prefix}{info.ExecutionProvider}, max batch {info.MaxBatchSize}, input {info.Input.Width}x{info.Input.Height}");
            if (server is not null)
            {
                report.ServerProviderLines.AddRange(server.ProviderLines.Select(l => prefix + l).Distinct());
            }

            if (settings.RequireProvider is { } required && info.ExecutionProvider != required)
            {
                string why = server is null ? "" : $" Server log:{Environment.NewLine}{string.Join(Environment.NewLine, server.ProviderLines)}";
                throw new ProviderMismatchException($"model {info.Name} runs on {info.ExecutionProvider}, not {required}.{why}");
            }

            await using MetricsScraper? scraper = await MetricsScraper.StartAsync(settings.Port + 1, settings.ScrapeEvery);
            int? serverPid = server?.Pid ?? settings.ServerPid;
            log.WriteLine($"Model {info.Name}: {report.ServerModels[^1]}; server RSS {ProcStats.RssMiB(serverPid):F1} MiB");
            LoadRunner runner = new(client, images, settings, serverPid, prefix, log);
            await RunLoadAsync(settings, runner, report, log);
            if (settings.PairedRounds > 0)
            {
                await RunPairedC1Async(settings, configuration, images, runner, report, log);
            }

            if (settings.PairedThroughputRounds > 0)
            {
                await RunPairedThroughputAsync(settings, configuration, images, runner, report, log);
            }

            foreach (EvidenceLevel level in settings.PairedEvidenceRounds > 0 ? settings.PairedEvidenceLevels : [])
            {
                await RunPairedEvidenceAsync(settings, level, runner, report, log);
            }

            if (scraper is not null)
            {
                report.Notes.Add(prefix + scraper.Describe(settings.ScrapeEvery));
                log.WriteLine(report.Notes[^1]);
            }

            return runner;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task RunCeilingsAsync(BenchSettings settings, IConfiguration configuration, ImageSet images, RunReport report, TextWriter log)
    {
        using Ceilings ceilings = new(configuration, images, settings.Model) { Evidence = settings.EvidenceScope(configuration) };
        int maxBatch = ceilings.Settings.MaxBatchSize;
        report.EffectiveSettings.Add("Thread budget (server and ceilings): " + ThreadBudget(ceilings));

        log.WriteLine($"Ceilings: {report.EffectiveSettings[^1]}");
        foreach (int b in settings.PipelineBatches.Select(b => b == 0 ? maxBatch : b).Distinct())
        {
            report.CeilingRows.Add(Print(log, ceilings.Pipeline(b, settings.WarmUp, settings.Duration)));
        }

        foreach (int b in settings.BareBatches.Select(b => b == 0 ? maxBatch : b).Distinct())
        {
            report.CeilingRows.Add(Print(log, ceilings.BareModel(b, Half(settings.Duration))));
        }

        if (settings.Unary.Contains(1))
        {
            report.CeilingRows.Add(Print(log, ceilings.SingleImage(settings.Duration, settings.MaxRequestsPerPhase)));
        }

        int top = settings.Unary.Concat(settings.Batch).Concat(settings.Stream).DefaultIfEmpty(0).Max();
        if (top > 0)
        {
            report.CeilingRows.Add(Print(log, await ceilings.EngineAsync(top, settings.WarmUp, settings.Duration, settings.MaxRequestsPerPhase)));
        }
    }

    private static async Task RunLoadAsync(BenchSettings settings, LoadRunner runner, RunReport report, TextWriter log)
    {
        foreach (int c in settings.Unary)
        {
            report.Phases.Add(Print(log, await runner.ClosedLoopAsync("unary", c, settings.Duration, settings.WarmUp)));
        }

        foreach (int c in settings.Batch)
        {
            report.Phases.Add(Print(log, await runner.ClosedLoopAsync("batch", c, settings.Duration, settings.WarmUp)));
        }

        foreach (int c in settings.Stream)
        {
            report.Phases.Add(Print(log, await runner.ClosedLoopAsync("stream", c, settings.Duration, settings.WarmUp)));
        }

        foreach (double asked in settings.OpenLoopRates)
        {
            double rate = asked;
            if (rate <= 0)
            {
                double best = report.Phases.Where(p => p.Mode == "unary" && p.Name.StartsWith(runner.Prefix, StringComparison.Ordinal)).Select(p => p.ImagesPerSecond).DefaultIfEmpty(0).Max();
                if (best <= 0)
                {
                    report.Notes.Add("Open loop 'auto' skipped: no closed-loop unary phase to take the rate from.");
                    continue;
                }

                rate = Math.Round(best * 0.8, 1);
                report.Notes.Add($"Open-loop rate 'auto' = 80 % of the best closed-loop unary throughput ({best:F1} images/s) = {rate:F1} images/s.");
            }

            PhaseResult open = Print(log, await runner.OpenLoopAsync(rate, settings.Duration, settings.WarmUp));
            report.Phases.Add(open);
            if (open.Skipped > 0)
            {
                report.Notes.Add($"{open.Name}: {open.Skipped} sends skipped because {settings.OpenLoopMaxInFlight} were already in flight; they are in no count and no latency, so its percentiles understate the latency at this rate.");
            }
        }

        if (settings.Soak > TimeSpan.Zero)
        {
            log.WriteLine($"Soak: unary c={settings.SoakConcurrency} for {settings.Soak.TotalSeconds:F0} s, RSS every {settings.SoakSampleEvery.TotalSeconds:F0} s");
            (PhaseResult result, IReadOnlyList<SoakSample> samples) = await runner.SoakAsync(settings.SoakConcurrency, settings.Soak, settings.SoakSampleEvery);
            report.Phases.Add(Print(log, result));
            report.Soak.AddRange(samples);
        }
    }

    /// <summary>
    /// The c=1 target measured in pairs: in-process single image and service unary c=1 alternate (ABBA: round 0 in-process
    /// first, round 1 service first, …), each side timing the same images in the same order (whole passes over the set:
    /// per-image latency ranges over 10× with size, so slices of time would compare different image mixes), while the
    /// server idles during the in-process passes. A drift of the machine or another tenant's burst then lands on both
    /// sides instead of on whichever phase ran at that moment.
    /// </summary>
    private static async Task RunPairedC1Async(BenchSettings settings, IConfiguration configuration, ImageSet images, LoadRunner runner, RunReport report, TextWriter log)
    {
        using Ceilings ceilings = new(configuration, images, settings.Model) { SingleImageIdle = settings.InProcessIdle };
        int pass = images.Count * settings.PairedPasses;
        if (settings.InProcessIdle > TimeSpan.Zero)
        {
            report.Notes.Add($"Diagnostic run: the in-process side of the paired c=1 comparison idles {settings.InProcessIdle.TotalMilliseconds:0.#} ms after each image (--paired-c1-inprocess-idle-ms); its differences are not the target's figure.");
        }

        report.EffectiveSettings.Add($"{runner.Prefix}Paired c=1, in-process side: {ThreadBudget(ceilings)}");
        log.WriteLine($"Paired c=1: {settings.PairedRounds} rounds of {pass} images per side");

        // Warm both sides (JIT tiers, ORT arenas, connection) with one pass each, not counted in the rounds.
        ceilings.SingleImagePass(pass);
        await runner.UnaryPassAsync("unary c=1 paired warm-up", pass);
        for (int round = 0; round < settings.PairedRounds; round++)
        {
            (PhaseResult inProcess, PhaseResult service) = await AbbaRoundAsync(round, () => ceilings.SingleImagePass(pass), () => runner.UnaryPassAsync($"unary c=1 paired round {round + 1}", pass));
            report.Phases.Add(service);
            report.PairedC1.Add((runner.Prefix, inProcess.P50Ms, service.P50Ms));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1}: in-process p50 {inProcess.P50Ms:F2} ms (means: decode+preprocess {inProcess.StageMeansMs.Decode:F2}, ORT {inProcess.StageMeansMs.Inference:F2}), service p50 {service.P50Ms:F2} ms, server p50 {service.ServerP50Ms:F2} ms (means: decode+preprocess {service.StageMeansMs.Decode + service.StageMeansMs.Preprocess:F2}, queue {service.StageMeansMs.Queue:F2}, ORT {service.StageMeansMs.Inference:F2}), other cores {inProcess.OtherCores:F2}/{service.OtherCores:F2}"));
        }
    }

    /// <summary>
    /// The c=64 target measured in pairs: the in-process ceiling (at the server's max batch) and the service at the
    /// highest unary concurrency alternate in slices (ABBA), each slice with its own short warm-up, so the ratio of each
    /// round compares the two sides on the same machine state.
    /// </summary>
    private static async Task RunPairedThroughputAsync(BenchSettings settings, IConfiguration configuration, ImageSet images, LoadRunner runner, RunReport report, TextWriter log)
    {
        using Ceilings ceilings = new(configuration, images, settings.Model);
        int concurrency = settings.Unary.DefaultIfEmpty(64).Max();
        int maxBatch = ceilings.Settings.MaxBatchSize;
        TimeSpan slice = settings.PairedThroughputSlice;
        TimeSpan warm = TimeSpan.FromSeconds(1);
        report.EffectiveSettings.Add($"{runner.Prefix}Paired throughput, in-process side: {ThreadBudget(ceilings)}");
        log.WriteLine($"Paired throughput: {settings.PairedThroughputRounds} rounds, in-process ceiling at batch {maxBatch} vs unary c={concurrency}, {slice.TotalSeconds:F0} s slices; {report.EffectiveSettings[^1]}");

        // A server that has not yet run at this concurrency is slow for about 10 s (JIT tiers, heap growth): warm both
        // sides first, uncounted in the rounds.
        ceilings.Pipeline(maxBatch, warm, TimeSpan.FromSeconds(3));
        await runner.ClosedLoopAsync("unary", concurrency, TimeSpan.FromSeconds(Math.Max(10, settings.WarmUp.TotalSeconds)), TimeSpan.Zero, $"unary c={concurrency} paired warm-up");
        for (int round = 0; round < settings.PairedThroughputRounds; round++)
        {
            (PhaseResult ceiling, PhaseResult service) = await AbbaRoundAsync(round, () => ceilings.Pipeline(maxBatch, warm, slice), () => runner.ClosedLoopAsync("unary", concurrency, slice, warm, $"unary c={concurrency} paired round {round + 1}"));
            report.Phases.Add(service);
            report.PairedThroughput.Add((runner.Prefix, concurrency, ceiling.ImagesPerSecond, service.ImagesPerSecond));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1}: in-process ceiling {ceiling.ImagesPerSecond:F1} images/s, service {service.ImagesPerSecond:F1} images/s = {service.ImagesPerSecond / ceiling.ImagesPerSecond:F2}x, other cores {ceiling.OtherCores:F2}/{service.OtherCores:F2}"));
        }
    }

    /// <summary>
    /// The evidence layer's cost at saturation, measured in pairs on one server: slices at the top unary concurrency ask
    /// for evidence level none (side A) and for the compared level (side B) per request, in ABBA order, so both sides share
    /// the process, its warm-up and the machine's drift, and the ratio B / A is the layer's cost alone.
    /// </summary>
    private static async Task RunPairedEvidenceAsync(BenchSettings settings, EvidenceLevel compared, LoadRunner runner, RunReport report, TextWriter log)
    {
        int concurrency = settings.Unary.DefaultIfEmpty(64).Max();
        TimeSpan slice = settings.PairedThroughputSlice;
        TimeSpan warm = TimeSpan.FromSeconds(1);
        string level = compared.ToString().ToLowerInvariant();
        log.WriteLine($"Paired evidence: {settings.PairedEvidenceRounds} rounds, unary c={concurrency}, evidence none vs {level}, {slice.TotalSeconds:F0} s slices");

        Task<PhaseResult> Side(EvidenceLevel evidence, string what)
        {
            runner.EvidenceOverride = evidence;
            return runner.ClosedLoopAsync("unary", concurrency, slice, warm, $"unary c={concurrency} evidence {evidence.ToString().ToLowerInvariant()} paired {what}");
        }

        try
        {
            // Both levels warm (the pixel checks' code included) before the first counted slice.
            await Side(compared, "warm-up");
            await Side(EvidenceLevel.None, "warm-up");
            for (int round = 0; round < settings.PairedEvidenceRounds; round++)
            {
                string what = $"round {round + 1}";
                (PhaseResult none, PhaseResult with) = await AbbaRoundAsync(round, () => Side(EvidenceLevel.None, what), () => Side(compared, what));
                report.Phases.Add(none);
                report.Phases.Add(with);
                report.PairedEvidence.Add((runner.Prefix, concurrency, level, none.ImagesPerSecond, with.ImagesPerSecond));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1}: evidence none {none.ImagesPerSecond:F1} images/s, {level} {with.ImagesPerSecond:F1} images/s = {with.ImagesPerSecond / none.ImagesPerSecond:F3}x (server evidence stage mean {with.EvidenceMeanMs:F2} ms), other cores {none.OtherCores:F2}/{with.OtherCores:F2}"));
            }
        }
        finally
        {
            runner.EvidenceOverride = null;
        }
    }

    /// <summary>One round of an ABBA comparison: even rounds measure side A first, odd rounds side B first.</summary>
    private static async Task<(PhaseResult A, PhaseResult B)> AbbaRoundAsync(int round, Func<Task<PhaseResult>> a, Func<Task<PhaseResult>> b)
    {
        if (round % 2 == 0)
        {
            PhaseResult first = await a();
            return (first, await b());
        }

        PhaseResult second = await b();
        return (await a(), second);
    }

    /// <summary>One round of an ABBA comparison: even rounds measure in-process first, odd rounds the service first.</summary>
    private static Task<(PhaseResult A, PhaseResult B)> AbbaRoundAsync(int round, Func<PhaseResult> inProcess, Func<Task<PhaseResult>> service) =>
        AbbaRoundAsync(round, () => Task.FromResult(inProcess()), service);

    private static string ThreadBudget(Ceilings ceilings) =>
        $"Inference:IntraOpThreads={ceilings.Inference.IntraOpThreads} (0 = half the cores on CPU, here {Detector.Engine.Inference.InferenceOptions.AutoIntraOpThreads}), "
        + $"Inference:AllowSpinning={ceilings.Inference.AllowSpinning}, WorkPool:Workers={ceilings.Workers}, Batching:Instances={ceilings.Settings.Instances}, "
        + $"max batch {ceilings.Settings.MaxBatchSize} (manifest {ceilings.ManifestMaxBatch}), max delay {ceilings.Settings.MaxDelay.TotalMilliseconds} ms, queue {ceilings.Settings.QueueCapacity}; in-process provider {ceilings.Provider}";

    private static TimeSpan Half(TimeSpan duration) => TimeSpan.FromSeconds(Math.Max(2, duration.TotalSeconds / 2));

    private static PhaseResult Print(TextWriter log, PhaseResult p)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        log.WriteLine(string.Create(inv, $"  {p.Name,-70} {p.ImagesPerSecond,8:F1} img/s  p50 {p.P50Ms,8:F1}  p90 {p.P90Ms,8:F1}  p99 {p.P99Ms,8:F1} ms  srv p50 {p.ServerP50Ms:F1} (dec {p.StageMeansMs.Decode:F1} q {p.StageMeansMs.Queue:F1} inf {p.StageMeansMs.Inference:F1})  sent {p.Sent} ok {p.Ok} rej {p.Rejected} fail {p.Failed} lost {p.Lost}  cores srv {p.ServerCores:F2} bench {p.BenchCores:F2} other {p.OtherCores:F2}"));
        return p;
    }

    /// <summary>The server's configuration as the server itself would read it: its appsettings.json, then the --server-set keys.</summary>
    private static IConfiguration BuildConfiguration(BenchSettings settings, string modelsDirectory, string? serverPath, string? repoRoot)
    {
        string? appsettings = serverPath is not null
            ? Path.Combine(Path.GetDirectoryName(serverPath)!, "appsettings.json")
            : repoRoot is null ? null : Path.Combine(repoRoot, "service", "Detector.Server", "appsettings.json");
        ConfigurationBuilder builder = new();
        if (appsettings is not null && File.Exists(appsettings))
        {
            builder.AddJsonFile(appsettings, optional: true);
        }

        Dictionary<string, string?> overrides = settings.ServerSettings.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.OrdinalIgnoreCase);
        overrides["Models:Directory"] = modelsDirectory;
        builder.AddInMemoryCollection(overrides);
        return builder.Build();
    }
}
