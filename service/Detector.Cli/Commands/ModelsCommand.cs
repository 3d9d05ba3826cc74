using System.CommandLine;
using System.Globalization;
using Detector.Api.V1;
using Detector.Evaluation.Reporting;
using Grpc.Core;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Detector.Cli.Commands;

/// <summary><c>detector models [--json]</c>: the server's loaded models, their preprocessing recipe, provider and file hash.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliServices services)
    {
        var json = new Option<bool>("--json") { Description = "Print the ListModels response as one line of JSON (every field, defaults included)." };
        var command = new Command("models", "List the models the server has loaded: recipe, threshold, provider and file SHA-256.") { json };
        command.SetAction((parse, ct) => RunAsync(services, services.ServerAddress(parse), parse.GetValue(json), parse.InvocationConfiguration, ct));
        return command;
    }

    /// <summary>
    /// The preprocessing recipe in one line, in the order it is applied:
    /// <c>224x224 center-crop pil-bilinear, RGB NCHW, scale divide 255, mean [0.5, 0.5, 0.5], std [0.25, 0.25, 0.25]</c>.
    /// Parts the server left empty are left out.
    /// </summary>
    internal static string Recipe(InputSpec input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CultureInfo inv = CultureInfo.InvariantCulture;
        var parts = new List<string>();
        string resize = string.Join(' ', new[]
        {
            input.Width > 0 || input.Height > 0 ? string.Format(inv, "{0}x{1}", input.Width, input.Height) : "",
            input.ResizeMode,
            input.ResizeFilter,
        }.Where(static p => p.Length > 0));
        parts.Add(resize);
        parts.Add(string.Join(' ', new[] { input.ColorOrder, input.Layout }.Where(static p => p.Length > 0)));
        parts.Add(input.Scale.Length > 0 ? $"scale {input.Scale}" : "");
        parts.Add(input.Mean.Count > 0 ? $"mean [{string.Join(", ", input.Mean.Select(v => v.ToString(inv)))}]" : "");
        parts.Add(input.Std.Count > 0 ? $"std [{string.Join(", ", input.Std.Select(v => v.ToString(inv)))}]" : "");
        return string.Join(", ", parts.Where(static p => p.Length > 0));
    }

    /// <summary>
    /// One table row per model when the table fits the console (always, when output is not a terminal); otherwise, in a narrow
    /// terminal, one block per model, so that the hash and the recipe stay readable instead of being cut into columns.
    /// </summary>
    internal static void Print(IAnsiConsole console, ListModelsResponse response, string server)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(response);
        CultureInfo inv = CultureInfo.InvariantCulture;
        var table = new Table()
            .AddColumn("name").AddColumn("version").AddColumn("task").AddColumn("default")
            .AddColumn(new TableColumn("threshold").RightAligned())
            .AddColumn("input").AddColumn("provider")
            .AddColumn(new TableColumn("batch").RightAligned())
            .AddColumn("sha256").AddColumn("score meaning").AddColumn("caution").AddColumn("description");
        foreach (ModelInfo model in response.Models)
        {
            table.AddRow(
                Markup.Escape(model.Name),
                Markup.Escape(model.Version),
                Markup.Escape(model.Task),
                model.IsDefault ? "yes" : "no",
                Threshold(model),
                Markup.Escape(Recipe(model.Input ?? new InputSpec())),
                Markup.Escape(Provider(model)),
                model.MaxBatchSize.ToString(inv),
                Markup.Escape(model.Sha256),
                Markup.Escape(model.OutputMeaning),
                Markup.Escape(model.Caution),
                Markup.Escape(model.Description));
        }

        int natural = ((IRenderable)table).Measure(RenderOptions.Create(console, console.Profile.Capabilities), Consoles.NonTerminalWidth).Max;
        if (natural <= console.Profile.Width)
        {
            console.Write(table);
        }
        else
        {
            foreach (ModelInfo model in response.Models)
            {
                console.MarkupLine($"[bold]{Markup.Escape(model.Name)}[/] {Markup.Escape(model.Version)} ({Markup.Escape(model.Task)}{(model.IsDefault ? ", default" : "")})");
                var grid = new Grid().AddColumn(new GridColumn().Padding(2, 0, 2, 0).NoWrap()).AddColumn();
                grid.AddRow("threshold", Threshold(model));
                grid.AddRow("input", Markup.Escape(Recipe(model.Input ?? new InputSpec())));
                grid.AddRow("provider", Markup.Escape(string.Format(inv, "{0}, batch {1}", Provider(model), model.MaxBatchSize)));
                grid.AddRow("sha256", Markup.Escape(model.Sha256));
                grid.AddRow("score meaning", Markup.Escape(model.OutputMeaning));
                grid.AddRow("caution", Markup.Escape(model.Caution));
                grid.AddRow("description", Markup.Escape(model.Description));
                console.Write(grid);
                console.WriteLine();
            }
        }

        console.MarkupLine(string.Format(inv, "{0} {1} on {2}", response.Models.Count, response.Models.Count == 1 ? "model" : "models", Markup.Escape(server)));

        // Exact (shortest float text): a score between a rounded threshold and the real one would look misjudged.
        static string Threshold(ModelInfo model) => ScoreText.Format(model.Threshold);

        static string Provider(ModelInfo model) =>
            model.ProviderFallbackReason.Length == 0 ? model.ExecutionProvider : $"{model.ExecutionProvider} ({model.ProviderFallbackReason})";
    }

    private static async Task<int> RunAsync(CliServices services, string server, bool json, InvocationConfiguration io, CancellationToken ct)
    {
        if (await services.TryConnectAsync(server, io.Error) is not { } connection)
        {
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

            if (json)
            {
                await io.Output.WriteLineAsync(ProtoJson.Format(response));
                return ExitCodes.Ok;
            }

            Print(Consoles.For(io.Output), response, server);
            return ExitCodes.Ok;
        }
    }
}
