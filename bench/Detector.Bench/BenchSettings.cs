namespace Detector.Bench;

/// <summary>Everything one bench run was asked to do, from the command line.</summary>
internal sealed record BenchSettings
{
    /// <summary>The one host the bench ever talks to.</summary>
    public const string Host = "127.0.0.1";

    public int Port { get; init; } = 5000;

    public bool StartServer { get; init; }

    public string? ServerPath { get; init; }

    public int? ServerPid { get; init; }

    /// <summary>Server configuration as Key=Value, passed to a started server as --Key=Value and mirrored by the in-process ceilings.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ServerSettings { get; init; } = [];

    /// <summary>Server configurations to compare in one run, each with a fresh server; one unnamed variant by default.</summary>
    public IReadOnlyList<BenchVariant> Variants { get; init; } = [new BenchVariant("base", [])];

    public string Model { get; init; } = "meso4-df";

    /// <summary>Send ScoreOptions.skip_evidence, to measure the scoring path without the evidence layer.</summary>
    public bool SkipEvidence { get; init; }

    /// <summary>ScoreOptions.evidence of every request; Unspecified leaves it to the server's Api:DefaultEvidence.</summary>
    public Detector.Api.V1.EvidenceLevel Evidence { get; init; }

    /// <summary>What the server will run for these requests, for the in-process engine row to do the same.</summary>
    public Detector.Engine.Scoring.EvidenceScope EvidenceScope(Microsoft.Extensions.Configuration.IConfiguration server) =>
        SkipEvidence ? Detector.Engine.Scoring.EvidenceScope.None : Evidence switch
        {
            Detector.Api.V1.EvidenceLevel.Full => Detector.Engine.Scoring.EvidenceScope.Full,
            Detector.Api.V1.EvidenceLevel.Metadata => Detector.Engine.Scoring.EvidenceScope.Metadata,
            Detector.Api.V1.EvidenceLevel.None => Detector.Engine.Scoring.EvidenceScope.None,
            _ => Enum.TryParse(server["Api:DefaultEvidence"], ignoreCase: true, out Detector.Engine.Scoring.EvidenceScope d) ? d : Detector.Engine.Scoring.EvidenceScope.Full,
        };

    public string? ManifestsDirectory { get; init; }

    public string? SharedDirectory { get; init; }

    public string? DataDirectory { get; init; }

    public int ImageCount { get; init; } = 120;

    public bool SyntheticImages { get; init; }

    public IReadOnlyList<int> Unary { get; init; } = [1, 4, 16, 64];

    public IReadOnlyList<int> Batch { get; init; } = [64];

    public IReadOnlyList<int> Stream { get; init; } = [64];

    /// <summary>Open-loop rates in images/s; 0 means "auto": 80 % of the best closed-loop unary throughput.</summary>
    public IReadOnlyList<double> OpenLoopRates { get; init; } = [];

    public int BatchImages { get; init; } = 16;

    public int StreamWindow { get; init; } = 32;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);

    public long MaxRequestsPerPhase { get; init; } = 200_000;

    public TimeSpan CallDeadline { get; init; } = TimeSpan.FromSeconds(60);

    public int OpenLoopMaxInFlight { get; init; } = 1024;

    public bool Ceilings { get; init; } = true;

    /// <summary>Batch sizes of the in-process pipeline ceiling; 0 stands for the server's effective max batch.</summary>
    public IReadOnlyList<int> PipelineBatches { get; init; } = [0];

    /// <summary>Batch sizes of the bare model ceiling; 0 stands for the server's effective max batch.</summary>
    public IReadOnlyList<int> BareBatches { get; init; } = [0, 1];

    public TimeSpan Soak { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Rounds of the paired c=1 comparison: each round times the in-process single-image path and the service at
    /// concurrency 1 back to back on the same <see cref="PairedPasses"/> passes over the image set, in ABBA order.
    /// </summary>
    public int PairedRounds { get; init; }

    public int PairedPasses { get; init; } = 1;

    /// <summary>Diagnostic: idle pause between the in-process single images of the paired c=1 comparison (0 = none, the target's form).</summary>
    public TimeSpan InProcessIdle { get; init; }

    /// <summary>Rounds of the paired throughput comparison: in-process ceiling and service at the top unary concurrency, ABBA.</summary>
    public int PairedThroughputRounds { get; init; }

    public TimeSpan PairedThroughputSlice { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Rounds of the paired evidence comparison: the same server at the top unary concurrency, requests asking for
    /// evidence level none and then each of <see cref="PairedEvidenceLevels"/> (per request, no restart), in ABBA slices.
    /// </summary>
    public int PairedEvidenceRounds { get; init; }

    public IReadOnlyList<Detector.Api.V1.EvidenceLevel> PairedEvidenceLevels { get; init; } = [Detector.Api.V1.EvidenceLevel.Full];

    public int SoakConcurrency { get; init; } = 64;

    public TimeSpan SoakSampleEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>When set, the run stops (exit code 5) unless the server runs the model on this execution provider.</summary>
    public string? RequireProvider { get; init; }

    /// <summary>How often the server's /metrics is read during the run, as a deployment's Prometheus does (zero: never).</summary>
    public TimeSpan ScrapeEvery { get; init; } = TimeSpan.FromSeconds(15);

    public string Label { get; init; } = "run";

    public string? ResultsDirectory { get; init; }

    public string CommandLine { get; init; } = "";

    public Uri GrpcAddress => new($"http://{Host}:{Port}");
}

/// <summary>A named server configuration: the run's --server-set keys plus these.</summary>
internal sealed record BenchVariant(string Name, IReadOnlyList<KeyValuePair<string, string>> Settings);

/// <summary>The server runs the model on another execution provider than --require-provider asked for.</summary>
internal sealed class ProviderMismatchException(string message) : Exception(message);
