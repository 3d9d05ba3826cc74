using System.Text.Json;
using Detector.Evaluation.Data;
using Detector.Evaluation.Reporting;

namespace Detector.Evaluation.Tests.Reporting;

public class ReportTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void WriteAll_TinySet_WritesJsonThatParsesBack()
    {
        using var dir = new TempFolder();
        (EvaluationReport report, IReadOnlyList<ModelSamples> models) = TinyEvaluation(dir);
        string outDir = dir.PathOf("out");

        ReportWriter.WriteAll(outDir, report, models);

        string json = File.ReadAllText(Path.Combine(outDir, ReportWriter.JsonFile));
        EvaluationReport back = ReportJson.Deserialize(json)!;
        Assert.Equal(2, back.Models.Count);
        Assert.Equal(report.Models[0].Overall.Auc, back.Models[0].Overall.Auc);
        Assert.Equal("gone.png", Assert.Single(back.Unreadable).Path);

        // Field names are the contract: check a few by name, including a null metric that must still be present.
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement model = doc.RootElement.GetProperty("models")[0];
        Assert.Equal(1, doc.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(JsonValueKind.Number, model.GetProperty("overall").GetProperty("auc").ValueKind);
        Assert.Equal(JsonValueKind.Number, model.GetProperty("thresholdAtTargetFpr").GetProperty("threshold").ValueKind);
        Assert.Equal(JsonValueKind.Object, model.GetProperty("aucInterval").ValueKind);
        JsonElement onlyFakeGroup = model.GetProperty("groups").EnumerateArray().Single(static g => g.GetProperty("group").GetString() == "gen");
        Assert.Equal(JsonValueKind.Null, onlyFakeGroup.GetProperty("auc").ValueKind);
    }

    [Fact]
    public void WriteAll_TinySet_MarkdownHasTablesWarningsAndUnreadable()
    {
        using var dir = new TempFolder();
        (EvaluationReport report, IReadOnlyList<ModelSamples> models) = TinyEvaluation(dir);
        string outDir = dir.PathOf("out");

        ReportWriter.WriteAll(outDir, report, models);

        string md = File.ReadAllText(Path.Combine(outDir, ReportWriter.MarkdownFile));
        Assert.Contains("| model | version | threshold | n | AUC |", md, StringComparison.Ordinal);
        Assert.Contains("## Model `good`", md, StringComparison.Ordinal);
        Assert.Contains("| **real** | 3 (TN) | 1 (FP) |", md, StringComparison.Ordinal);
        Assert.Contains("### By group", md, StringComparison.Ordinal);
        Assert.Contains("| cams |", md, StringComparison.Ordinal);
        Assert.Contains("| gone.png | file not found |", md, StringComparison.Ordinal);
        Assert.Contains("**Warning:** Only 4 real images were scored", md, StringComparison.Ordinal);
        Assert.Contains("Groups with fewer than 30 scored images of a class, whose per-group numbers are rough: cams (4 real, 2 fake), gen (0 real, 2 fake).", md, StringComparison.Ordinal);
        Assert.Contains("`detector eval --data set.csv`", md, StringComparison.Ordinal);
        Assert.Contains("2025-03-04 05:06:07", md, StringComparison.Ordinal);
        Assert.Contains("![roc](roc.png)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAll_TinySet_PlotsArePngFiles()
    {
        using var dir = new TempFolder();
        (EvaluationReport report, IReadOnlyList<ModelSamples> models) = TinyEvaluation(dir);
        string outDir = dir.PathOf("out");

        IReadOnlyList<string> written = ReportWriter.WriteAll(outDir, report, models);

        foreach (string name in new[] { ReportWriter.RocFile, ReportWriter.RocLowFprFile, ReportWriter.ReliabilityFile })
        {
            string path = Path.Combine(outDir, name);
            Assert.Contains(path, written);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 1000, $"{name} is suspiciously small ({bytes.Length} bytes)");
            Assert.Equal(PngSignature, bytes[..8]);
        }
    }

    [Fact]
    public void ScoresCsv_TwoModels_OneRowPerImageWithBothScores()
    {
        using var dir = new TempFolder();
        (_, IReadOnlyList<ModelSamples> models) = TinyEvaluation(dir);

        string[] lines = ScoresCsv.Format(models).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("path,label,group,good,coin", lines[0]);
        Assert.Equal(9, lines.Length);
        Assert.Equal("r1.png,real,cams,0.1,0.5", lines[1]);
    }

    [Theory]
    [InlineData(0.35f, "0.35")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0, "1")]
    public void ScoreText_FloatExactValue_IsShortestFloatText(double value, string expected)
    {
        Assert.Equal(expected, ScoreText.Format(value));
    }

    [Fact]
    public void Evaluate_GroupWithOneClass_HasNoAucButHasConfusion()
    {
        using var dir = new TempFolder();
        (EvaluationReport report, _) = TinyEvaluation(dir);

        var gen = report.Models[0].Groups.Single(static g => g.Group == "gen");

        Assert.Null(gen.Auc);
        Assert.Equal(2, gen.Fake);
        Assert.Equal(2, gen.Confusion.TruePositives + gen.Confusion.FalseNegatives);
    }

    [Fact]
    public void Evaluate_ScoringFailure_CountsAndWarningsUseTheScoredImages()
    {
        using var dir = new TempFolder();
        string csv = dir.Write("set.csv", "r1.png,real,cams\nr2.png,real,cams\nf1.png,fake,gen\nf2.png,fake,gen\nf3.png,fake,gen\n");
        foreach (string name in new[] { "r1.png", "r2.png", "f1.png", "f2.png", "f3.png" })
        {
            dir.Write(name, "x");
        }

        DataSet data = DataSetLoader.Load(csv);
        var samples = new List<ScoredSample> { new("r1.png", false, "cams", 0.1), new("r2.png", false, "cams", 0.2), new("f1.png", true, "gen", 0.9), new("f2.png", true, "gen", 0.8) };

        EvaluationReport report = Evaluator.Evaluate(
            new EvaluationInput
            {
                DataSet = data,
                Models = [new ModelSamples("m", "1", "synthetic", 0.5, samples)],
                ScoringFailures = [new UnreadableItem("f3.png", "INVALID_ARGUMENT: not an image")],
            },
            new EvaluationOptions { BootstrapResamples = 0 });

        DataSetSummary summary = report.DataSet;
        Assert.Equal((3, 5), (summary.Fake, summary.Items));
        Assert.Equal((2, 2, 4, 1), (summary.ScoredReal, summary.ScoredFake, summary.Scored, summary.NotScored));
        GroupCount gen = summary.Groups.Single(static g => g.Name == "gen");
        Assert.Equal((3, 2), (gen.Fake, gen.ScoredFake));
        Assert.Contains(report.Warnings, static w => w.StartsWith("Only 2 fake images were scored (fewer than 100): rates measured on them are uncertain by up to ±69 percentage points.", StringComparison.Ordinal));
        Assert.Contains("Groups with fewer than 30 scored images of a class, whose per-group numbers are rough: cams (2 real, 0 fake), gen (0 real, 2 fake).", report.Warnings);
        Assert.DoesNotContain(report.Warnings, static w => w.StartsWith("Model m has scores for", StringComparison.Ordinal));
        Assert.Equal(4, report.Models[0].Overall.Count);
    }

    /// <summary>4 real (group cams), 4 fake (2 cams, 2 gen), one missing file; a good model and a coin-flip one.</summary>
    private static (EvaluationReport Report, IReadOnlyList<ModelSamples> Models) TinyEvaluation(TempFolder dir)
    {
        var rows = new (string Name, bool Fake, string Group, double Good, double Coin)[]
        {
            ("r1.png", false, "cams", 0.1, 0.5),
            ("r2.png", false, "cams", 0.2, 0.5),
            ("r3.png", false, "cams", 0.3, 0.5),
            ("r4.png", false, "cams", 0.6, 0.5),
            ("f1.png", true, "cams", 0.7, 0.5),
            ("f2.png", true, "cams", 0.4, 0.5),
            ("f3.png", true, "gen", 0.9, 0.5),
            ("f4.png", true, "gen", 0.8, 0.5),
        };
        foreach (var row in rows)
        {
            dir.Write(row.Name, "x");
        }

        string csv = dir.Write("set.csv", string.Join('\n', rows.Select(static r => $"{r.Name},{(r.Fake ? "fake" : "real")},{r.Group}")) + "\ngone.png,real,cams\n");
        DataSet data = DataSetLoader.Load(csv);
        var models = new[]
        {
            new ModelSamples("good", "1", "synthetic", 0.5, rows.Select(static r => new ScoredSample(r.Name, r.Fake, r.Group, r.Good)).ToList()),
            new ModelSamples("coin", "1", "synthetic", 0.5, rows.Select(static r => new ScoredSample(r.Name, r.Fake, r.Group, r.Coin)).ToList()),
        };
        EvaluationReport report = Evaluator.Evaluate(
            new EvaluationInput
            {
                DataSet = data,
                Models = models,
                CommandLine = "detector eval --data set.csv",
                CreatedUtc = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero),
            },
            new EvaluationOptions { BootstrapResamples = 50 });
        return (report, models);
    }
}
