using System.CommandLine;
using Detector.Api.V1;
using Detector.Cli.Scoring;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;

namespace Detector.Cli.Commands;

/// <summary><c>detector score FILE... [--models a,b] [--json]</c>: scores files one by one with the Score RPC.</summary>
internal static class ScoreCommand
{
    public static Command Create(CliServices services)
    {
        var files = new Argument<FileInfo[]>("files") { Description = "Image files to score.", Arity = ArgumentArity.OneOrMore };
        var models = CommonOptions.CreateModels();
        var json = new Option<bool>("--json") { Description = "Print each result as one line of JSON (the ImageResult message)." };
        var command = new Command("score", "Score image files and print the verdict and each model's score.") { files, models, json };
        command.SetAction((parse, ct) => RunAsync(
            services,
            parse.GetRequiredValue(CommonOptions.Server),
            parse.GetRequiredValue(files),
            CommonOptions.SplitModels(parse.GetValue(models)),
            parse.GetValue(json),
            parse.InvocationConfiguration,
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliServices services, string server, FileInfo[] files, IReadOnlyList<string> models, bool json, InvocationConfiguration io, CancellationToken ct)
    {
        DetectorConnection connection;
        try
        {
            connection = services.Connect(server);
        }
        catch (ArgumentException ex)
        {
            await io.Error.WriteLineAsync(ex.Message);
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
            int exitCode = ExitCodes.Ok;
            foreach (FileInfo file in files)
            {
                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(file.FullName, ct);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await io.Error.WriteLineAsync($"{file}: cannot read: {ex.Message}");
                    exitCode = ExitCodes.Failed;
                    continue;
                }

                ScoreResponse response;
                try
                {
                    response = await connection.Client.ScoreAsync(
                        new ScoreRequest { Image = new ImageInput { Id = file.Name, Data = ByteString.CopyFrom(bytes) }, Options = options },
                        cancellationToken: ct);
                }
                catch (RpcException ex) when (Consoles.IsServerFailure(ex.StatusCode))
                {
                    await io.Error.WriteLineAsync($"Cannot use the detector server at {server}: {Consoles.Describe(ex)}");
                    return ExitCodes.Failed;
                }
                catch (RpcException ex)
                {
                    await io.Error.WriteLineAsync($"{file}: rejected: {Consoles.CodeName(ex.StatusCode)}: {ex.Status.Detail}");
                    exitCode = ExitCodes.Failed;
                    continue;
                }

                ImageResult result = response.Result ?? new ImageResult();
                if (result.Status is { Code: not 0 } status)
                {
                    await io.Error.WriteLineAsync($"{file}: rejected: {Consoles.CodeName(status.Code)}: {status.Message}");
                    exitCode = ExitCodes.Failed;
                    continue;
                }

                if (json)
                {
                    await io.Output.WriteLineAsync(ProtoJson.Format(result));
                }
                else
                {
                    ResultPrinter.Print(console, file.ToString(), result);
                }
            }

            return exitCode;
        }
    }
}
