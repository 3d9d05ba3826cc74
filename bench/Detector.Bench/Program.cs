using System.CommandLine;
using System.Globalization;
using Detector.Bench;

Option<int> port = new("--port") { Description = "gRPC port of the server on 127.0.0.1 (the only host the bench talks to); metrics are on port+1.", DefaultValueFactory = _ => 5000 };
Option<bool> startServer = new("--start-server") { Description = "Start the built Release Detector.Server as a child process with a temporary model folder, and stop it at the end." };
Option<string?> serverPath = new("--server-path") { Description = "Detector.Server executable or .dll (default: service/Detector.Server/bin/Release/net10.0/Detector.Server.dll)." };
Option<int?> serverPid = new("--server-pid") { Description = "PID of a server the bench did not start, to read its CPU time and VmRSS." };
Option<string[]> serverSet = new("--server-set") { Description = "Server configuration Key=Value (repeatable), e.g. Inference:IntraOpThreads=1; mirrored by the in-process ceilings.", Arity = ArgumentArity.ZeroOrMore };
Option<string[]> variant = new("--variant") { Description = "A server configuration to compare, 'NAME;Key=Value;Key=Value' (repeatable; 'env:VAR=Value' sets an environment variable of the server); each gets a fresh server and the same load phases.", Arity = ArgumentArity.ZeroOrMore };
Option<string> model = new("--model") { Description = "Model to score: a name from the test manifests, or resnet50-random (generated).", DefaultValueFactory = _ => "meso4-df" };
Option<string?> manifests = new("--manifests") { Description = "Folder of manifests with ${SHARED} placeholders (default: tests/Detector.Engine.Tests/Conformance/Manifests)." };
Option<string?> shared = new("--shared") { Description = "The shared folder that ${SHARED} stands for (default: $DETECTOR_SHARED or ../shared)." };
Option<string?> data = new("--data") { Description = "Image folder with synthetic/ and manipulation/ (default: SHARED/data)." };
Option<int> imageCount = new("--images") { Description = "Images in the set, sampled evenly in path order.", DefaultValueFactory = _ => 120 };
Option<bool> synthetic = new("--synthetic-images") { Description = "Generate JPEG and PNG noise images in memory instead of reading the data folder." };
Option<string> unary = new("--unary") { Description = "Closed-loop Score concurrencies, comma-separated ('' = none).", DefaultValueFactory = _ => "1,4,16,64" };
Option<string> batch = new("--batch") { Description = "Closed-loop ScoreBatch concurrencies in images in flight ('' = none).", DefaultValueFactory = _ => "64" };
Option<string> stream = new("--stream") { Description = "Closed-loop ScoreStream concurrencies in images in flight ('' = none).", DefaultValueFactory = _ => "64" };
Option<string> openLoop = new("--open-loop") { Description = "Open-loop Score rates in images/s, comma-separated; 'auto' = 80 % of the best unary throughput ('' = none).", DefaultValueFactory = _ => "" };
Option<int> batchImages = new("--batch-images") { Description = "Images per ScoreBatch call.", DefaultValueFactory = _ => 16 };
Option<int> streamWindow = new("--stream-window") { Description = "Images in flight per ScoreStream call (the server's Api:MaxInFlightPerStream is 32 by default).", DefaultValueFactory = _ => 32 };
Option<double> duration = new("--duration") { Description = "Seconds measured per phase.", DefaultValueFactory = _ => 15 };
Option<double> warmUp = new("--warmup") { Description = "Seconds of warm-up before each phase (counted for accounting, not reported).", DefaultValueFactory = _ => 3 };
Option<long> maxRequests = new("--max-requests") { Description = "Most images sent per phase.", DefaultValueFactory = _ => 200_000 };
Option<double> deadline = new("--call-deadline") { Description = "Deadline of every call, in seconds.", DefaultValueFactory = _ => 60 };
Option<bool> ceilings = new("--ceilings") { Description = "Measure the in-process ceilings in the same run.", DefaultValueFactory = _ => true };
Option<string> pipelineBatches = new("--pipeline-batches") { Description = "Batch sizes of the in-process ceiling, comma-separated; 'max' = the server's max batch.", DefaultValueFactory = _ => "max" };
Option<string> bareBatches = new("--bare-batches") { Description = "Batch sizes of the bare model ceiling, comma-separated; 'max' = the server's max batch.", DefaultValueFactory = _ => "max,1" };
Option<double> soak = new("--soak") { Description = "Seconds of closed-loop unary load with the server's VmRSS sampled (0 = none).", DefaultValueFactory = _ => 0 };
Option<int> pairedRounds = new("--paired-c1") { Description = "Rounds of the paired c=1 comparison: in-process single image and service unary c=1 alternate (ABBA) on the same images in the same order, so drift and other tenants hit both sides alike (0 = none).", DefaultValueFactory = _ => 0 };
Option<int> pairedThroughput = new("--paired-throughput") { Description = "Rounds of the paired throughput comparison: the in-process ceiling and the service at the top --unary concurrency alternate in slices (ABBA) (0 = none).", DefaultValueFactory = _ => 0 };
Option<double> pairedThroughputSlice = new("--paired-throughput-slice") { Description = "Seconds of each slice of the paired throughput comparison (plus 1 s of warm-up).", DefaultValueFactory = _ => 5 };
Option<int> pairedEvidence = new("--paired-evidence") { Description = "Rounds of the paired evidence comparison: the same server at the top --unary concurrency answers slices asking for evidence 'none' and for --paired-evidence-level in turn (ABBA), so the ratio is the evidence layer's cost alone (0 = none).", DefaultValueFactory = _ => 0 };
Option<string> pairedEvidenceLevel = new("--paired-evidence-level") { Description = "The levels compared with 'none' by --paired-evidence, one after the other, comma-separated: full, metadata.", DefaultValueFactory = _ => "full" };
Option<double> pairedIdle = new("--paired-c1-inprocess-idle-ms") { Description = "Diagnostic only: the in-process side of --paired-c1 idles this long after each image, as a service idles between requests; its differences are not the target's figure.", DefaultValueFactory = _ => 0 };
Option<int> pairedPasses = new("--paired-passes") { Description = "Passes over the image set per side and round of the paired c=1 comparison.", DefaultValueFactory = _ => 1 };
Option<int> soakConcurrency = new("--soak-concurrency") { Description = "Concurrency of the soak.", DefaultValueFactory = _ => 64 };
Option<string?> requireProvider = new("--require-provider") { Description = "Stop with exit code 5 unless the server runs the model on this provider, e.g. CUDAExecutionProvider." };
Option<bool> skipEvidence = new("--skip-evidence") { Description = "Ask the server to skip the forensic evidence layer (ScoreOptions.skip_evidence)." };
Option<string> evidence = new("--evidence") { Description = "ScoreOptions.evidence of every request: full, metadata or none ('' = unspecified: the server's Api:DefaultEvidence).", DefaultValueFactory = _ => "" };
Option<double> scrapeEvery = new("--scrape-every") { Description = "Seconds between reads of the server's /metrics (port+1) during the run, as Prometheus would; the first read starts prometheus-net's adapters (0 = never).", DefaultValueFactory = _ => 15 };
Option<string> label = new("--label") { Description = "Name of the run in the result file names.", DefaultValueFactory = _ => "run" };
Option<string?> results = new("--results") { Description = "Folder for the CSV and markdown (default: bench/results)." };

RootCommand root = new("Detector load benchmark: drives a running Detector.Server on 127.0.0.1 and measures the in-process ceilings in the same run.");
foreach (Option option in new Option[] { port, startServer, serverPath, serverPid, serverSet, variant, model, manifests, shared, data, imageCount, synthetic, unary, batch, stream, openLoop, batchImages, streamWindow, duration, warmUp, maxRequests, deadline, ceilings, pipelineBatches, bareBatches, soak, soakConcurrency, pairedRounds, pairedPasses, pairedIdle, pairedThroughput, pairedThroughputSlice, pairedEvidence, pairedEvidenceLevel, requireProvider, skipEvidence, evidence, scrapeEvery, label, results })
{
    root.Options.Add(option);
}

root.SetAction(async (parsed, cancellationToken) =>
{
    BenchSettings settings;
    try
    {
        settings = new BenchSettings
        {
            Port = parsed.GetValue(port),
            SkipEvidence = parsed.GetValue(skipEvidence),
            Evidence = ParseEvidenceLevel(parsed.GetValue(evidence)) ?? throw new FormatException($"--evidence: '{parsed.GetValue(evidence)}' is not full, metadata or none"),
            StartServer = parsed.GetValue(startServer),
            ServerPath = parsed.GetValue(serverPath),
            ServerPid = parsed.GetValue(serverPid),
            ServerSettings = ParsePairs(parsed.GetValue(serverSet) ?? []),
            Variants = ParseVariants(parsed.GetValue(variant) ?? []),
            Model = parsed.GetValue(model)!,
            ManifestsDirectory = parsed.GetValue(manifests),
            SharedDirectory = parsed.GetValue(shared),
            DataDirectory = parsed.GetValue(data),
            ImageCount = Positive(parsed.GetValue(imageCount), "--images"),
            SyntheticImages = parsed.GetValue(synthetic),
            Unary = ParseInts(parsed.GetValue(unary)),
            Batch = ParseInts(parsed.GetValue(batch)),
            Stream = ParseInts(parsed.GetValue(stream)),
            OpenLoopRates = ParseRates(parsed.GetValue(openLoop)),
            BatchImages = Positive(parsed.GetValue(batchImages), "--batch-images"),
            StreamWindow = Positive(parsed.GetValue(streamWindow), "--stream-window"),
            Duration = Seconds(parsed.GetValue(duration), "--duration", 1, 3600),
            WarmUp = Seconds(parsed.GetValue(warmUp), "--warmup", 0, 600),
            MaxRequestsPerPhase = Math.Max(1, parsed.GetValue(maxRequests)),
            CallDeadline = Seconds(parsed.GetValue(deadline), "--call-deadline", 1, 600),
            Ceilings = parsed.GetValue(ceilings),
            PipelineBatches = ParseInts(parsed.GetValue(pipelineBatches)?.Replace("max", "0", StringComparison.Ordinal), allowZero: true),
            BareBatches = ParseInts(parsed.GetValue(bareBatches)?.Replace("max", "0", StringComparison.Ordinal), allowZero: true),
            Soak = Seconds(parsed.GetValue(soak), "--soak", 0, 3600),
            SoakConcurrency = Positive(parsed.GetValue(soakConcurrency), "--soak-concurrency"),
            PairedRounds = Math.Max(0, parsed.GetValue(pairedRounds)),
            PairedPasses = Positive(parsed.GetValue(pairedPasses), "--paired-passes"),
            InProcessIdle = TimeSpan.FromMilliseconds(Math.Clamp(parsed.GetValue(pairedIdle), 0, 1000)),
            PairedThroughputRounds = Math.Max(0, parsed.GetValue(pairedThroughput)),
            PairedThroughputSlice = Seconds(parsed.GetValue(pairedThroughputSlice), "--paired-throughput-slice", 1, 600),
            PairedEvidenceRounds = Math.Max(0, parsed.GetValue(pairedEvidence)),
            PairedEvidenceLevels = [.. (parsed.GetValue(pairedEvidenceLevel) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(level => ParseEvidenceLevel(level) is { } parsedLevel and (Detector.Api.V1.EvidenceLevel.Full or Detector.Api.V1.EvidenceLevel.Metadata)
                ? parsedLevel
                : throw new FormatException($"--paired-evidence-level: '{level}' is not full or metadata"))],
            RequireProvider = parsed.GetValue(requireProvider),
            ScrapeEvery = parsed.GetValue(scrapeEvery) == 0 ? TimeSpan.Zero : Seconds(parsed.GetValue(scrapeEvery), "--scrape-every", 1, 3600),
            Label = string.Concat(parsed.GetValue(label)!.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')),
            ResultsDirectory = parsed.GetValue(results),
            CommandLine = string.Join(' ', new[] { "Detector.Bench" }.Concat(args.Select(Shell))),
        };
    }
    catch (FormatException ex)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return BenchApp.ExitSetup;
    }

    try
    {
        return await BenchApp.RunAsync(settings, Console.Out);
    }
    catch (ProviderMismatchException ex)
    {
        await Console.Error.WriteLineAsync($"bench: {ex.Message}");
        return BenchApp.ExitWrongProvider;
    }
    catch (InvalidOperationException ex)
    {
        await Console.Error.WriteLineAsync($"bench: {ex.Message}");
        return BenchApp.ExitSetup;
    }
});

ParseResult parseResult = root.Parse(args);
if (parseResult.Errors.Count > 0)
{
    foreach (System.CommandLine.Parsing.ParseError error in parseResult.Errors)
    {
        await Console.Error.WriteLineAsync(error.Message);
    }

    return BenchApp.ExitSetup;
}

return await parseResult.InvokeAsync();

static List<KeyValuePair<string, string>> ParsePairs(string[] values) =>
    values.Select(v => v.Split('=', 2) is [var key, var value] && key.Length > 0
        ? new KeyValuePair<string, string>(key.Replace("__", ":", StringComparison.Ordinal), value)
        : throw new FormatException($"--server-set wants Key=Value, got '{v}'")).ToList();

static List<BenchVariant> ParseVariants(string[] values)
{
    if (values.Length == 0)
    {
        return [new BenchVariant("base", [])];
    }

    List<BenchVariant> variants = [];
    foreach (string value in values)
    {
        string[] parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts[0].Contains('=', StringComparison.Ordinal) || !parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new FormatException($"--variant wants 'NAME;Key=Value;...', got '{value}'");
        }

        variants.Add(new BenchVariant(parts[0], ParsePairs(parts[1..])));
    }

    return variants;
}

static List<int> ParseInts(string? text, bool allowZero = false) =>
    (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= (allowZero ? 0 : 1) && v <= 4096 ? v : throw new FormatException($"'{s}' is not a count in 1..4096"))
        .Distinct()
        .ToList();

static List<double> ParseRates(string? text) =>
    (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => s == "auto" ? 0 : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v is > 0 and <= 100_000 ? v : throw new FormatException($"'{s}' is not a rate in images/s (or 'auto')"))
        .ToList();

// The wire level for an --evidence style word ('' = unspecified: the server's default); null when it names none.
static Detector.Api.V1.EvidenceLevel? ParseEvidenceLevel(string? text) => text?.ToLowerInvariant() switch
{
    null or "" => Detector.Api.V1.EvidenceLevel.Unspecified,
    "full" => Detector.Api.V1.EvidenceLevel.Full,
    "metadata" => Detector.Api.V1.EvidenceLevel.Metadata,
    "none" => Detector.Api.V1.EvidenceLevel.None,
    _ => null,
};

static int Positive(int value, string name) => value > 0 ? value : throw new FormatException($"{name} must be > 0");

static TimeSpan Seconds(double value, string name, double min, double max) =>
    value >= min && value <= max ? TimeSpan.FromSeconds(value) : throw new FormatException($"{name} must be within {min}..{max} seconds");

static string Shell(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_=:./,".Contains(c, StringComparison.Ordinal)) ? arg : $"'{arg.Replace("'", "'\\''", StringComparison.Ordinal)}'";
