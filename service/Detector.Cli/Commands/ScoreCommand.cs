using System.CommandLine;
using System.Globalization;
using Detector.Api.V1;
using Detector.Cli.Scoring;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;

namespace Detector.Cli.Commands;

/// <summary>
/// <c>detector score PATH... [--models a,b] [--json]</c>: scores files, and every file under folders, one at a time with the
/// Score RPC, so memory holds one file whatever the size of the tree.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(CliServices services)
    {
        var files = new Argument<string[]>("paths") { Description = "Image files, or folders: every file under a folder is scored (recursively, in path order, whatever its extension).", Arity = ArgumentArity.OneOrMore };
        var models = CommonOptions.CreateModels();
        var json = new Option<bool>("--json") { Description = "Print each result as one line of JSON (the ImageResult message)." };
        var command = new Command("score", "Score image files or folders and print the verdict and each model's score.") { files, models, json };
        command.SetAction((parse, ct) => RunAsync(
            services,
            services.ServerAddress(parse),
            parse.GetRequiredValue(files),
            CommonOptions.SplitModels(parse.GetValue(models)),
            parse.GetValue(json),
            parse.InvocationConfiguration,
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliServices services, string server, string[] paths, IReadOnlyList<string> models, bool json, InvocationConfiguration io, CancellationToken ct)
    {
        if (await services.TryConnectAsync(server, io.Error) is not { } connection)
        {
            return ExitCodes.Usage;
        }

        using (connection)
        {
            if (models.Count > 0)
            {
                // Checked before any file is read or scored: a typo fails once, not once per file.
                IReadOnlyDictionary<string, ModelInfo>? available;
                try
                {
                    available = await ModelNames.ListAsync(connection.Client, ct);
                }
                catch (RpcException ex)
                {
                    await io.Error.WriteLineAsync($"Cannot use the detector server at {server}: {Consoles.Describe(ex)}");
                    return ExitCodes.Failed;
                }

                if (available is not null && ModelNames.UnknownMessage(models, available) is { } unknown)
                {
                    await io.Error.WriteLineAsync(unknown);
                    return ExitCodes.Usage;
                }
            }

            IAnsiConsole console = Consoles.For(io.Output);
            var options = new ScoreOptions();
            options.Models.AddRange(models);
            int total = 0;
            int notScored = 0;
            foreach (InputEntry input in InputFiles.Expand(paths))
            {
                if (input.Kind == InputKind.Skipped)
                {
                    await io.Error.WriteLineAsync($"{input.Path}: {input.Message}");
                    continue;
                }

                total++;
                if (input.Kind == InputKind.Problem)
                {
                    await io.Error.WriteLineAsync($"{input.Path}: {input.Message}");
                    notScored++;
                    continue;
                }

                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(input.Path, ct);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await io.Error.WriteLineAsync($"{input.Path}: cannot read: {ex.Message}");
                    notScored++;
                    continue;
                }

                ScoreResponse response;
                try
                {
                    // The array is not touched again, so it is sent without a copy.
                    response = await connection.Client.ScoreAsync(
                        new ScoreRequest { Image = new ImageInput { Id = input.Id, Data = UnsafeByteOperations.UnsafeWrap(bytes) }, Options = options },
                        cancellationToken: ct);
                }
                catch (RpcException ex) when (Consoles.IsServerFailure(ex))
                {
                    await io.Error.WriteLineAsync($"Cannot use the detector server at {server}: {Consoles.Describe(ex)}");
                    return ExitCodes.Failed;
                }
                catch (RpcException ex)
                {
                    await io.Error.WriteLineAsync($"{input.Path}: rejected: {Consoles.CodeName(ex.StatusCode)}: {ex.Status.Detail}");
                    notScored++;
                    continue;
                }

                ImageResult result = response.Result ?? new ImageResult();
                if (result.Status is { Code: not 0 } status)
                {
                    await io.Error.WriteLineAsync($"{input.Path}: rejected: {Consoles.CodeName(status.Code)}: {status.Message}");
                    notScored++;
                    continue;
                }

                if (json)
                {
                    await io.Output.WriteLineAsync(ProtoJson.Format(result));
                }
                else
                {
                    ResultPrinter.Print(console, input.Path, result);
                }
            }

            if (notScored > 0 && total > 1)
            {
                // Per-path lines can scroll far up in a large folder.
                await io.Error.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, "Not scored: {0} of {1} (see the lines above).", notScored, total));
            }

            return notScored > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }
    }
}
