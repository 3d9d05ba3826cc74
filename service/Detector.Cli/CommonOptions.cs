using System.CommandLine;

namespace Detector.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>Used when neither --server nor DETECTOR_SERVER is set.</summary>
    public const string DefaultServer = "http://127.0.0.1:5000";

    /// <summary>Server address; on the root command and every subcommand. http:// means HTTP/2 without TLS (h2c).</summary>
    public static Option<string> Server { get; } = new("--server")
    {
        Description = $"Detector server address (h2c for http://). Default: $DETECTOR_SERVER or {DefaultServer}.",
        Recursive = true,
        DefaultValueFactory = static _ => Environment.GetEnvironmentVariable("DETECTOR_SERVER") is { Length: > 0 } fromEnv ? fromEnv : DefaultServer,
    };

    /// <summary>A new --models option (an option instance belongs to one command).</summary>
    public static Option<string[]> CreateModels() => new("--models")
    {
        Description = "Models to run, comma-separated (repeatable). Default: the server's default models.",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>Flattens <c>--models a,b --models c</c> into distinct names.</summary>
    public static IReadOnlyList<string> SplitModels(string[]? values) =>
        (values ?? [])
            .SelectMany(static v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
