using System.CommandLine;

namespace Detector.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>Used when neither --server nor DETECTOR_SERVER is set.</summary>
    public const string DefaultServer = "http://127.0.0.1:5000";

    /// <summary>The environment variable read when --server is not given.</summary>
    public const string ServerVariable = "DETECTOR_SERVER";

    /// <summary>
    /// Server address; on the root command and every subcommand. http:// means HTTP/2 without TLS (h2c). It has no
    /// DefaultValueFactory on purpose: help would print the value the factory returns after the description, so the default
    /// would appear twice (and show whatever $DETECTOR_SERVER happens to be as if it were fixed). The description states it
    /// once and <see cref="ServerAddress"/> applies it.
    /// </summary>
    public static Option<string> Server { get; } = new("--server")
    {
        Description = $"Detector server address (h2c for http://). Default: ${ServerVariable}, else {DefaultServer}.",
        HelpName = "url",
        Recursive = true,
    };

    /// <summary>
    /// The address to use: --server when given, else <c>$DETECTOR_SERVER</c> when set and not empty, else
    /// <see cref="DefaultServer"/>.
    /// </summary>
    /// <param name="given">The value of --server, or null when it was not given.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable (the process environment outside tests).</param>
    public static string ServerAddress(string? given, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        return given ?? (getEnvironmentVariable(ServerVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultServer);
    }

    /// <summary>A new --models option (an option instance belongs to one command).</summary>
    public static Option<string[]> CreateModels() => new("--models")
    {
        Description = "Models to run, comma-separated (repeatable). Default: the server's default models.",
        HelpName = "a,b",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>Flattens <c>--models a,b --models c</c> into distinct names.</summary>
    public static IReadOnlyList<string> SplitModels(string[]? values) =>
        (values ?? [])
            .SelectMany(static v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
