using System.CommandLine;
using Detector.Cli.Commands;

namespace Detector.Cli;

/// <summary>What the commands depend on, replaceable in tests.</summary>
/// <param name="Connect">Opens a connection to a server address.</param>
/// <param name="Time">Clock for report dates.</param>
/// <param name="GetEnvironmentVariable">Reads an environment variable ($DETECTOR_SERVER); the process environment when null.</param>
internal sealed record CliServices(Func<string, DetectorConnection> Connect, TimeProvider Time, Func<string, string?>? GetEnvironmentVariable = null)
{
    public static CliServices Default { get; } = new(DetectorConnection.Open, TimeProvider.System);

    /// <summary>The server address for a parsed command line: --server, else $DETECTOR_SERVER, else the default.</summary>
    public string ServerAddress(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return CommonOptions.ServerAddress(parse.GetValue(CommonOptions.Server), GetEnvironmentVariable ?? Environment.GetEnvironmentVariable);
    }

    /// <summary>
    /// Opens a connection to <paramref name="server"/>; when the address is unusable, writes why to <paramref name="error"/>
    /// and returns null (the command exits with <see cref="ExitCodes.Usage"/>).
    /// </summary>
    public async Task<DetectorConnection?> TryConnectAsync(string server, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            return Connect(server);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return null;
        }
    }
}

/// <summary>The <c>detector</c> command tree: score, models, eval.</summary>
internal static class CliApp
{
    public static RootCommand CreateRootCommand(CliServices? services = null)
    {
        services ??= CliServices.Default;
        var root = new RootCommand("Detector client: score images, list models and evaluate detectors on labelled data, over gRPC.");
        root.Options.Add(CommonOptions.Server);
        root.Subcommands.Add(ScoreCommand.Create(services));
        root.Subcommands.Add(ModelsCommand.Create(services));
        root.Subcommands.Add(EvalCommand.Create(services));
        return root;
    }

    /// <summary>Parses and runs; a command line that does not parse exits with <see cref="ExitCodes.Usage"/>.</summary>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? configuration = null, CliServices? services = null, CancellationToken cancellationToken = default)
    {
        configuration ??= new InvocationConfiguration();
        ParseResult parsed = CreateRootCommand(services).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await configuration.Error.WriteLineAsync(error.Message);
            }

            await configuration.Error.WriteLineAsync("Run 'detector --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(configuration, cancellationToken);
    }
}
