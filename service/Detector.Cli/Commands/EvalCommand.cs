using System.CommandLine;
using System.Globalization;
using Detector.Api.V1;
using Detector.Cli.Scoring;
using Detector.Evaluation;
using Detector.Evaluation.Data;
using Detector.Evaluation.Reporting;
using Grpc.Core;
using Spectre.Console;

namespace Detector.Cli.Commands;

/// <summary>
/// <c>detector eval --data DIR|CSV --out DIR</c>: scores a labelled data set through the server, then writes metrics,
/// plots and reports, and optionally the threshold for a target FPR into a model manifest.
/// </summary>
internal static class EvalCommand
{
    /// <summary>The settings of one run, as parsed.</summary>
    private sealed record Settings(
        string Server,
        string Data,
        string Out,
        IReadOnlyList<string> Models,
        double TargetFpr,
        string? WriteThreshold,
        int Bootstrap,
        int Seed,
        int Concurrency,
        GroupBy GroupBy,
        string CommandLine);

    public static Command Create(CliServices services)
    {
        var data = new Option<string>("--data") { HelpName = "dir|csv", Description = "Labelled data: a folder with real/ and fake/ subfolders, or a CSV of path,label[,group].", Required = true };
        var output = new Option<string>("--out") { HelpName = "dir", Description = "Folder for report.json, report.md, scores.csv and the PNG plots.", Required = true };
        var models = CommonOptions.CreateModels();
        var targetFpr = new Option<double?>("--target-fpr") { Description = "False-positive rate to choose a threshold for (default 0.01; --write-threshold needs it given explicitly)." };
        var writeThreshold = new Option<string?>("--write-threshold") { HelpName = "manifest.json", Description = "Write the threshold for --target-fpr into this model manifest.json (the model named in it)." };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples for the AUC interval (0 turns it off).", DefaultValueFactory = static _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Bootstrap seed.", DefaultValueFactory = static _ => new EvaluationOptions().BootstrapSeed };
        var concurrency = new Option<int>("--concurrency") { Description = "Images in flight at once.", DefaultValueFactory = static _ => 8 };

        // A string, not Option<GroupBy>: help would show the enum's names (<None|Prefix>, [default: Prefix]) where the README
        // and the rest of the command line use lowercase. Any case is accepted, as it was when the option was an enum.
        var groupBy = new Option<string>("--group-by")
        {
            Description = "Per-group breakdown: prefix (file name before the first '_', or the CSV group column) or none.",
            HelpName = "prefix|none",
            DefaultValueFactory = static _ => "prefix",
        };
        groupBy.CompletionSources.Add("prefix", "none");

        targetFpr.Validators.Add(static r =>
        {
            if (r.GetValueOrDefault<double?>() is double v && (double.IsNaN(v) || v < 0 || v > 1))
            {
                r.AddError("--target-fpr must be between 0 and 1 (0.01 means 1%).");
            }
        });
        bootstrap.Validators.Add(static r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--bootstrap must be 0 or more.");
            }
        });
        groupBy.Validators.Add(static r =>
        {
            if (GroupByOf(r.GetValueOrDefault<string>()) is null)
            {
                r.AddError($"--group-by must be prefix or none, got '{r.GetValueOrDefault<string>()}'.");
            }
        });
        concurrency.Validators.Add(static r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 256)
            {
                r.AddError("--concurrency must be between 1 and 256.");
            }
        });

        var command = new Command("eval", "Evaluate detectors on a labelled data set and write metrics, plots and reports.")
        {
            data, output, models, targetFpr, writeThreshold, bootstrap, seed, concurrency, groupBy,
        };

        // Writing a manifest changes what the service flags, so the FPR it is chosen for must be stated, not defaulted.
        command.Validators.Add(r =>
        {
            if (r.GetValue(writeThreshold) is not null && r.GetResult(targetFpr) is null)
            {
                r.AddError("--write-threshold needs an explicit --target-fpr.");
            }
        });

        command.SetAction((parse, ct) => RunAsync(
            services,
            new Settings(
                services.ServerAddress(parse),
                parse.GetRequiredValue(data),
                parse.GetRequiredValue(output),
                CommonOptions.SplitModels(parse.GetValue(models)),
                parse.GetValue(targetFpr) ?? 0.01,
                parse.GetValue(writeThreshold),
                parse.GetValue(bootstrap),
                parse.GetValue(seed),
                parse.GetValue(concurrency),
                GroupByOf(parse.GetValue(groupBy)) ?? GroupBy.Prefix,
                CommandLineOf(parse)),
            parse.InvocationConfiguration,
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliServices services, Settings settings, InvocationConfiguration io, CancellationToken ct)
    {
        // Everything that can be checked without the server is checked first: a bad folder should not cost a scoring run.
        (DataSet? dataSet, string? manifestModel) = await PrepareAsync(settings, io);
        if (dataSet is null)
        {
            return ExitCodes.Usage;
        }

        IAnsiConsole console = Consoles.For(io.Output);
        await io.Output.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, "Data set {0}: {1} real and {2} fake images listed, {3} skipped when loading.", dataSet.Source, dataSet.RealCount, dataSet.FakeCount, dataSet.Unreadable.Count));

        if (await services.TryConnectAsync(settings.Server, io.Error) is not { } connection)
        {
            return ExitCodes.Usage;
        }

        ScoringOutcome outcome;
        using (connection)
        {
            try
            {
                if (await CheckModelsAsync(connection.Client, settings, manifestModel, io, ct) is int exitCode)
                {
                    return exitCode;
                }

                var scorer = new StreamScorer(connection.Client, settings.Concurrency, settings.Models);
                outcome = await console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        ProgressTask task = progress.AddTask("Scoring", maxValue: dataSet.Items.Count);
                        return await scorer.ScoreAsync(dataSet.Items, () => task.Increment(1), ct);
                    });
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                await io.Error.WriteLineAsync("Cancelled.");
                return ExitCodes.Failed;
            }
            catch (RpcException ex)
            {
                await io.Error.WriteLineAsync($"Scoring failed on {settings.Server}: {Consoles.Describe(ex)}");
                return ExitCodes.Failed;
            }
        }

        return await ReportAsync(services, settings, dataSet, outcome, manifestModel, console, io);
    }

    /// <summary>Loads the data set, reads the manifest's model name and creates the output folder; prints why and returns null on failure.</summary>
    private static async Task<(DataSet? DataSet, string? ManifestModel)> PrepareAsync(Settings settings, InvocationConfiguration io)
    {
        DataSet dataSet;
        try
        {
            dataSet = DataSetLoader.Load(settings.Data, settings.GroupBy);
        }
        catch (DataSetException ex)
        {
            await io.Error.WriteLineAsync(ex.Message);
            return (null, null);
        }

        string? manifestModel = null;
        if (settings.WriteThreshold is { } manifestPath)
        {
            try
            {
                manifestModel = ManifestThreshold.ReadModelName(manifestPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                await io.Error.WriteLineAsync($"Cannot use --write-threshold {manifestPath}: {ex.Message}");
                return (null, null);
            }

            if (manifestModel is null || (settings.Models.Count > 0 && !settings.Models.Contains(manifestModel)))
            {
                await io.Error.WriteLineAsync(manifestModel is null
                    ? $"{manifestPath} has no \"name\" field, so the model to take the threshold from is unknown."
                    : $"{manifestPath} is for model '{manifestModel}', which is not among --models {string.Join(',', settings.Models)}.");
                return (null, null);
            }
        }

        try
        {
            Directory.CreateDirectory(settings.Out);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await io.Error.WriteLineAsync($"Cannot create --out {settings.Out}: {ex.Message}");
            return (null, null);
        }

        return (dataSet, manifestModel);
    }

    /// <summary>
    /// Checks the requested models against ListModels before a long scoring run: an unknown name, or a manifest model that
    /// would not run, fails now with the list of what the server has. Returns an exit code to stop with, or null to go on.
    /// </summary>
    private static async Task<int?> CheckModelsAsync(DetectorService.DetectorServiceClient client, Settings settings, string? manifestModel, InvocationConfiguration io, CancellationToken ct)
    {
        if (await ModelNames.ListAsync(client, ct) is not { } byName)
        {
            // Nothing to check against; the per-image statuses will tell.
            return null;
        }

        if (ModelNames.UnknownMessage(settings.Models, byName) is { } unknown)
        {
            await io.Error.WriteLineAsync(unknown);
            return ExitCodes.Usage;
        }

        if (manifestModel is not null)
        {
            if (!byName.TryGetValue(manifestModel, out ModelInfo? info))
            {
                await io.Error.WriteLineAsync($"The server has no model '{manifestModel}' (named in {settings.WriteThreshold}); it has: {ModelNames.Available(byName)}.");
                return ExitCodes.Usage;
            }

            if (settings.Models.Count == 0 && !info.IsDefault)
            {
                await io.Error.WriteLineAsync($"Model '{manifestModel}' is not a default model, so it would not be scored; add --models {manifestModel}.");
                return ExitCodes.Usage;
            }
        }

        return null;
    }

    private static async Task<int> ReportAsync(CliServices services, Settings settings, DataSet dataSet, ScoringOutcome outcome, string? manifestModel, IAnsiConsole console, InvocationConfiguration io)
    {
        (List<ModelSamples> samples, List<UnreadableItem> failures) = Collect(dataSet, outcome, console);
        var options = new EvaluationOptions
        {
            TargetFpr = settings.TargetFpr,
            BootstrapResamples = settings.Bootstrap,
            BootstrapSeed = settings.Seed,
        };
        EvaluationReport report = Evaluator.Evaluate(
            new EvaluationInput
            {
                DataSet = dataSet,
                Models = samples,
                ScoringFailures = failures,
                ScoredItems = dataSet.Items.Where((_, i) => outcome.Results[i] is not null).ToList(),
                CommandLine = settings.CommandLine,
                Server = settings.Server,
                CreatedUtc = services.Time.GetUtcNow(),
            },
            options);

        IReadOnlyList<string> written;
        try
        {
            written = ReportWriter.WriteAll(settings.Out, report, samples);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await io.Error.WriteLineAsync($"Cannot write the reports to {settings.Out}: {ex.Message}");
            return ExitCodes.Failed;
        }

        PrintSummary(console, report);
        foreach (string file in written)
        {
            await io.Output.WriteLineAsync($"wrote {file}");
        }

        if (samples.Count == 0)
        {
            await io.Error.WriteLineAsync("No image was scored; see the unreadable files in the report.");
            return ExitCodes.Failed;
        }

        return settings.WriteThreshold is { } path ? await WriteThresholdAsync(io, report, path, manifestModel!) : ExitCodes.Ok;
    }

    /// <summary>Turns the per-image results into per-model samples; auxiliary models are not detectors and are left out.</summary>
    private static (List<ModelSamples> Samples, List<UnreadableItem> Failures) Collect(DataSet dataSet, ScoringOutcome outcome, IAnsiConsole console)
    {
        var failures = outcome.Failures.ToList();
        var byModel = new Dictionary<string, (ModelScore First, List<ScoredSample> Samples)>(StringComparer.Ordinal);
        var order = new List<string>();
        var skipped = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < outcome.Results.Length; i++)
        {
            if (outcome.Results[i] is not { } result)
            {
                continue;
            }

            DataSetItem item = dataSet.Items[i];
            foreach (ModelScore score in result.Scores)
            {
                if (score.Task == "auxiliary")
                {
                    skipped.Add(score.Model);
                    continue;
                }

                if (!float.IsFinite(score.Score))
                {
                    failures.Add(new UnreadableItem(item.DisplayPath, $"model {score.Model} returned a non-finite score"));
                    continue;
                }

                if (!byModel.TryGetValue(score.Model, out var entry))
                {
                    entry = (score, []);
                    byModel.Add(score.Model, entry);
                    order.Add(score.Model);
                }

                entry.Samples.Add(new ScoredSample(item.DisplayPath, item.IsFake, item.Group, score.Score));
            }
        }

        if (skipped.Count > 0)
        {
            console.MarkupLine(Markup.Escape($"Not evaluated (auxiliary, not detectors): {string.Join(", ", skipped)}"));
        }

        var samples = order.Select(name =>
        {
            (ModelScore first, List<ScoredSample> list) = byModel[name];
            return new ModelSamples(name, first.Version, first.Task, first.Threshold, list);
        }).ToList();
        return (samples, failures);
    }

    private static void PrintSummary(IAnsiConsole console, EvaluationReport report)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        DataSetSummary data = report.DataSet;
        console.MarkupLine(Markup.Escape(string.Format(
            inv,
            "Scored {0} of {1} listed images ({2} real, {3} fake); {4} rejected or unreadable when scoring, {5} skipped when loading (see the report).",
            data.Scored,
            data.Items,
            data.ScoredReal,
            data.ScoredFake,
            data.NotScored,
            data.SkippedWhenLoading)));
        string target = (report.Settings.TargetFpr * 100).ToString("0.###", inv) + "%";
        var table = new Table()
            .AddColumn("model").AddColumn(new TableColumn("n").RightAligned())
            .AddColumn(new TableColumn("AUC").RightAligned()).AddColumn("AUC 95% CI")
            .AddColumn(new TableColumn("AP").RightAligned())
            .AddColumn(new TableColumn("TPR@FPR 1%").RightAligned())
            .AddColumn(new TableColumn("FPR at own threshold").RightAligned())
            .AddColumn(new TableColumn($"threshold for FPR ≤ {target}").RightAligned())
            .AddColumn(new TableColumn("FPR / TPR there").RightAligned());
        foreach (ModelEvaluation model in report.Models)
        {
            MetricSet o = model.Overall;
            ThresholdEntry? t = model.ThresholdAtTargetFpr;
            table.AddRow(
                Markup.Escape(model.Name),
                o.Count.ToString(inv),
                Num(o.Auc),
                model.AucInterval is { } ci ? $"[[{Num(ci.Lower)}, {Num(ci.Upper)}]]" : "n/a",
                Num(o.AveragePrecision),
                Num(o.TprAtFpr1Pct),
                Num(o.Fpr),
                t is null ? "n/a" : ScoreText.Format(t.Threshold),
                t is null ? "n/a" : $"{Num(t.Fpr)} / {Num(t.Tpr)}");
        }

        console.Write(table);
        foreach (string warning in report.Warnings)
        {
            console.MarkupLine($"[yellow]Warning:[/] {Markup.Escape(warning)}");
        }

        static string Num(double? v) => v is double d ? d.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";
    }

    private static async Task<int> WriteThresholdAsync(InvocationConfiguration io, EvaluationReport report, string manifestPath, string modelName)
    {
        ModelEvaluation? model = report.Models.FirstOrDefault(m => m.Name == modelName);
        if (model?.ThresholdAtTargetFpr is not { } choice)
        {
            await io.Error.WriteLineAsync(model is null
                ? $"Model '{modelName}' (from {manifestPath}) returned no scores, so no threshold was written."
                : $"No threshold for model '{modelName}': the data set has no real images. Nothing was written.");
            return ExitCodes.Failed;
        }

        double? previous;
        try
        {
            previous = ManifestThreshold.Write(manifestPath, choice.Threshold);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentOutOfRangeException)
        {
            await io.Error.WriteLineAsync($"Threshold not written to {manifestPath}: {ex.Message}");
            return ExitCodes.Failed;
        }

        await io.Output.WriteLineAsync(string.Format(
            CultureInfo.InvariantCulture,
            "Threshold of {0} in {1}: {2} -> {3} (FPR {4:0.####} with {5} of {6} real, TPR {7} on this data). Restart the server to apply it.",
            modelName,
            manifestPath,
            previous is double p ? ScoreText.Format(p) : "unset (0.5)",
            ScoreText.Format(choice.Threshold),
            choice.Fpr,
            choice.FalsePositives,
            choice.Real,
            choice.Tpr?.ToString("0.####", CultureInfo.InvariantCulture) ?? "n/a"));
        return ExitCodes.Ok;
    }

    /// <summary>The --group-by value, in any case; null when it is neither prefix nor none.</summary>
    internal static GroupBy? GroupByOf(string? value) => value?.ToUpperInvariant() switch
    {
        "PREFIX" => GroupBy.Prefix,
        "NONE" => GroupBy.None,
        _ => null,
    };

    /// <summary>The command line as typed, for the report; tokens with spaces are quoted.</summary>
    private static string CommandLineOf(ParseResult parse) =>
        "detector " + string.Join(' ', parse.Tokens.Select(static t => t.Value.Contains(' ', StringComparison.Ordinal) ? $"\"{t.Value}\"" : t.Value));
}
