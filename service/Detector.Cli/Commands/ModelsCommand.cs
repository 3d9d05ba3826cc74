using System.CommandLine;
using System.Globalization;
using Detector.Api.V1;
using Grpc.Core;
using Spectre.Console;

namespace Detector.Cli.Commands;

/// <summary><c>detector models</c>: the server's loaded models as a table.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliServices services)
    {
        var command = new Command("models", "List the models the server has loaded.");
        command.SetAction((parse, ct) => RunAsync(services, parse.GetRequiredValue(CommonOptions.Server), parse.InvocationConfiguration, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliServices services, string server, InvocationConfiguration io, CancellationToken ct)
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
            ListModelsResponse response;
            try
            {
                response = await connection.Client.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct);
            }
            catch (RpcException ex)
            {
                await io.Error.WriteLineAsync($"ListModels failed on {server}: {Consoles.Describe(ex)}");
                return ExitCodes.Failed;
            }

            CultureInfo inv = CultureInfo.InvariantCulture;
            var table = new Table()
                .AddColumn("name").AddColumn("version").AddColumn("task").AddColumn("default")
                .AddColumn(new TableColumn("threshold").RightAligned())
                .AddColumn("input").AddColumn("provider")
                .AddColumn(new TableColumn("batch").RightAligned())
                .AddColumn("score meaning").AddColumn("description");
            foreach (ModelInfo model in response.Models)
            {
                InputSpec input = model.Input ?? new InputSpec();
                string size = input.Width > 0 ? string.Format(inv, "{0}x{1} ", input.Width, input.Height) : "";
                table.AddRow(
                    Markup.Escape(model.Name),
                    Markup.Escape(model.Version),
                    Markup.Escape(model.Task),
                    model.IsDefault ? "yes" : "no",
                    model.Threshold.ToString("0.0000", inv),
                    Markup.Escape($"{size}{input.ResizeMode} {input.ColorOrder} {input.Layout}".Trim()),
                    Markup.Escape(model.ExecutionProvider),
                    model.MaxBatchSize.ToString(inv),
                    Markup.Escape(model.OutputMeaning),
                    Markup.Escape(model.Description));
            }

            IAnsiConsole console = Consoles.For(io.Output);
            console.Write(table);
            console.MarkupLine(string.Format(inv, "{0} models on {1}", response.Models.Count, Markup.Escape(server)));
            return ExitCodes.Ok;
        }
    }
}
