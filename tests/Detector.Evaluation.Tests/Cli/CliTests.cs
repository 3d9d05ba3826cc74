using System.CommandLine;
using System.Text.Json.Nodes;
using Detector.Cli;
using Detector.Cli.Scoring;
using Detector.Evaluation.Reporting;
using Grpc.Core;

namespace Detector.Evaluation.Tests.Cli;

public class CliTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Eval_MissingFolder_ExitsTwoWithMessage()
    {
        (int code, string output, string error) = await RunAsync(["eval", "--data", "/no/such/detector-data", "--out", Path.GetTempPath()], Unreachable());

        Assert.Equal(2, code);
        Assert.Contains("not found", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Eval_FolderWithoutRealOrFake_ExitsTwoWithMessage()
    {
        using var dir = new TempFolder();
        dir.Write("pictures/a.png", "0.5");

        (int code, _, string error) = await RunAsync(["eval", "--data", dir.Path, "--out", dir.PathOf("out")], Unreachable());

        Assert.Equal(2, code);
        Assert.Contains("neither a real/ nor a fake/ subfolder", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.PathOf("out")));
    }

    [Fact]
    public async Task Eval_EmptyRealAndFake_ExitsTwoWithMessage()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.PathOf("real"));
        Directory.CreateDirectory(dir.PathOf("fake"));

        (int code, _, string error) = await RunAsync(["eval", "--data", dir.Path, "--out", dir.PathOf("out")], Unreachable());

        Assert.Equal(2, code);
        Assert.Contains("no readable image", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_WriteThresholdWithoutTargetFpr_ExitsTwo()
    {
        (int code, _, string error) = await RunAsync(["eval", "--data", "d", "--out", "o", "--write-threshold", "m.json"], Unreachable());

        Assert.Equal(2, code);
        Assert.Contains("--write-threshold needs an explicit --target-fpr", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalHelp_TargetFpr_SaysWriteThresholdNeedsItExplicitly()
    {
        (int code, string output, _) = await RunAsync(["eval", "--help"], Unreachable());

        Assert.Equal(0, code);
        string line = Assert.Single(output.Split('\n'), static l => l.TrimStart().StartsWith("--target-fpr", StringComparison.Ordinal));
        Assert.Contains("(default 0.01; --write-threshold needs it given explicitly)", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eval", "--data <dir|csv> (REQUIRED)")]
    [InlineData("eval", "--out <dir> (REQUIRED)")]
    [InlineData("eval", "--models <a,b>")]
    [InlineData("eval", "--write-threshold <manifest.json>")]
    [InlineData("score", "--models <a,b>")]
    public async Task Help_OptionValue_IsNamedAsInTheReadme(string command, string label)
    {
        (int code, string output, _) = await RunAsync([command, "--help"], Unreachable());

        Assert.Equal(0, code);
        Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith(label + " ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EvalHelp_GroupBy_ShowsTheDocumentedLowercaseValues()
    {
        (int code, string output, _) = await RunAsync(["eval", "--help"], Unreachable());

        Assert.Equal(0, code);
        string line = Assert.Single(output.Split('\n'), static l => l.TrimStart().StartsWith("--group-by", StringComparison.Ordinal));
        Assert.StartsWith("--group-by <prefix|none>", line.TrimStart(), StringComparison.Ordinal);
        Assert.EndsWith("[default: prefix]", line.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("Prefix", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "prefix", 2)]
    [InlineData("none", "none", 0)]
    [InlineData("NONE", "none", 0)]
    [InlineData("Prefix", "prefix", 2)]
    public async Task Eval_GroupBy_AnyCaseIsAccepted(string? value, string expected, int groups)
    {
        using var dir = new TempFolder();
        dir.Write("data/real/cam_1.png", "0.2");
        dir.Write("data/fake/gen_1.png", "0.8");
        string[] args = ["eval", "--data", dir.PathOf("data"), "--out", dir.PathOf("out"), "--bootstrap", "0"];

        (int code, _, string error) = await RunAsync(value is null ? args : [.. args, "--group-by", value], Fake(new FakeDetectorClient()));

        Assert.True(code == 0, error);
        EvaluationReport report = ReportJson.Deserialize(File.ReadAllText(dir.PathOf("out/report.json")))!;
        Assert.Equal(expected, report.DataSet.GroupBy);
        Assert.Equal(groups, report.DataSet.Groups.Count);
    }

    [Fact]
    public async Task Eval_GroupByUnknownValue_ExitsTwoNamingTheValues()
    {
        (int code, _, string error) = await RunAsync(["eval", "--data", "d", "--out", "o", "--group-by", "folder"], Unreachable());

        Assert.Equal(2, code);
        Assert.StartsWith("--group-by must be prefix or none, got 'folder'.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--target-fpr", "1.5")]
    [InlineData("--concurrency", "0")]
    [InlineData("--bootstrap", "-1")]
    public async Task Eval_OutOfRangeOption_ExitsTwo(string option, string value)
    {
        (int code, _, string error) = await RunAsync(["eval", "--data", "d", "--out", "o", option, value], Unreachable());

        Assert.Equal(2, code);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_FakeServer_WritesReportsListsRejectsAndWritesThreshold()
    {
        using var dir = new TempFolder();
        string[] reals = ["0.1", "0.2", "0.3", "0.6"];
        string[] fakes = ["0.7", "0.9", "0.4", "0.8"];
        for (int i = 0; i < reals.Length; i++)
        {
            dir.Write($"data/real/cam_{i}.png", reals[i]);
            dir.Write($"data/fake/gen_{i}.png", fakes[i]);
        }

        dir.Write("data/real/cam_bad.png", "bad");
        dir.Write("data/fake/gen_poison.png", "poison");
        string manifest = dir.Write("m1/manifest.json", """{ "name": "m1", "version": "1", "threshold": 0.5, "file": "m1.onnx" }""");
        var client = new FakeDetectorClient();

        (int code, string output, string error) = await RunAsync(
            ["eval", "--data", dir.PathOf("data"), "--out", dir.PathOf("out"), "--target-fpr", "0.25", "--write-threshold", manifest, "--bootstrap", "50", "--concurrency", "3"],
            Fake(client));

        Assert.True(code == 0, error);
        EvaluationReport report = ReportJson.Deserialize(File.ReadAllText(dir.PathOf("out/report.json")))!;
        ModelEvaluation model = Assert.Single(report.Models); // the auxiliary model is left out
        Assert.Equal("m1", model.Name);
        Assert.Equal(8, model.Overall.Count);
        Assert.Equal(1.0 - (1.0 / 16.0), model.Overall.Auc!.Value, 1e-12); // only 0.6 (real) > 0.4 (fake) is out of order
        Assert.Contains(report.Unreadable, static u => u.Path.EndsWith("cam_bad.png", StringComparison.Ordinal) && u.Reason.StartsWith("INVALID_ARGUMENT", StringComparison.Ordinal));
        Assert.Contains(report.Unreadable, static u => u.Path.EndsWith("gen_poison.png", StringComparison.Ordinal) && u.Reason.StartsWith("RESOURCE_EXHAUSTED", StringComparison.Ordinal));
        Assert.Equal(Now, report.CreatedUtc);
        Assert.StartsWith("detector eval --data", report.CommandLine, StringComparison.Ordinal);

        // Reals .1 .2 .3 .6; 25% allows one false positive (.6), and the smallest threshold keeping it there is .4.
        Assert.Equal(0.4f, (float)model.ThresholdAtTargetFpr!.Threshold);
        JsonNode written = JsonNode.Parse(File.ReadAllText(manifest))!;
        Assert.Equal(0.4f, written["threshold"]!.GetValue<float>());
        Assert.Equal("m1.onnx", written["file"]!.GetValue<string>());
        Assert.Contains("Threshold of m1", output, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.PathOf("out/report.md")));
        Assert.True(File.Exists(dir.PathOf("out/roc.png")));
    }

    [Fact]
    public async Task Eval_RejectedAndEmptyFiles_CountsAndWarningsUseScoredImages()
    {
        using var dir = new TempFolder();
        for (int i = 0; i < 8; i++)
        {
            dir.Write($"data/real/cam_{i}.png", "0.2");
            dir.Write($"data/fake/gen_{i}.png", "0.8");
        }

        dir.Write("data/real/empty.png", "");
        dir.Write("data/fake/junk.png", "bad");

        (int code, string output, string error) = await RunAsync(["eval", "--data", dir.PathOf("data"), "--out", dir.PathOf("out"), "--bootstrap", "0"], Fake(new FakeDetectorClient()));

        Assert.True(code == 0, error);
        EvaluationReport report = ReportJson.Deserialize(File.ReadAllText(dir.PathOf("out/report.json")))!;
        DataSetSummary data = report.DataSet;
        Assert.Equal((8, 9, 17), (data.Real, data.Fake, data.Items));
        Assert.Equal((8, 8, 16), (data.ScoredReal, data.ScoredFake, data.Scored));
        Assert.Equal((1, 1, 2), (data.NotScored, data.SkippedWhenLoading, data.Unreadable));
        Assert.Equal(16, report.Models[0].Overall.Count);
        Assert.Contains(report.Warnings, static w => w.StartsWith("Only 8 fake images were scored", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Warnings, static w => w.Contains("9 fake", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Warnings, static w => w.StartsWith("Model m1 has scores for", StringComparison.Ordinal));
        Assert.Contains("Groups with fewer than 30 scored images of a class, whose per-group numbers are rough: cam (8 real, 0 fake), gen (0 real, 8 fake).", report.Warnings);

        string md = File.ReadAllText(dir.PathOf("out/report.md"));
        Assert.Contains("| listed | 8 | 9 | 17 |", md, StringComparison.Ordinal);
        Assert.Contains("| not scored (rejected or unreadable when scoring) | 0 | 1 | 1 |", md, StringComparison.Ordinal);
        Assert.Contains("| **scored** | **8** | **8** | **16** |", md, StringComparison.Ordinal);
        Assert.Contains("Scored 16 of 17 listed images (8 real, 8 fake); 1 rejected or unreadable when scoring, 1 skipped when loading", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_ManifestForModelNotSelected_ExitsTwoBeforeScoring()
    {
        using var dir = new TempFolder();
        dir.Write("data/real/a_1.png", "0.1");
        string manifest = dir.Write("manifest.json", """{ "name": "other" }""");
        var client = new FakeDetectorClient();

        (int code, _, string error) = await RunAsync(
            ["eval", "--data", dir.PathOf("data"), "--out", dir.PathOf("out"), "--models", "m1", "--target-fpr", "0.01", "--write-threshold", manifest],
            Fake(client));

        Assert.Equal(2, code);
        Assert.Contains("'other'", error, StringComparison.Ordinal);
        Assert.Equal(0, client.StreamsOpened);
    }

    [Fact]
    public async Task Eval_UnknownModel_ExitsTwoListingServerModels()
    {
        using var dir = new TempFolder();
        dir.Write("data/real/a_1.png", "0.1");
        var client = new FakeDetectorClient();

        (int code, _, string error) = await RunAsync(["eval", "--data", dir.PathOf("data"), "--out", dir.PathOf("out"), "--models", "m1,nope"], Fake(client));

        Assert.Equal(2, code);
        Assert.Contains("Unknown model(s) nope; the server has: m1.", error, StringComparison.Ordinal);
        Assert.Equal(0, client.StreamsOpened);
    }

    [Fact]
    public async Task Score_RejectedImage_PrintsStatusAndExitsNonZero()
    {
        using var dir = new TempFolder();
        string good = dir.Write("good.png", "0.9");
        string bad = dir.Write("bad.png", "bad");

        (int code, string output, string error) = await RunAsync(["score", good, bad], Fake(new FakeDetectorClient()));

        Assert.Equal(1, code);
        Assert.Contains("likely AI-generated", output, StringComparison.Ordinal);
        Assert.Contains("0.9000", output, StringComparison.Ordinal);
        Assert.Contains("rejected: INVALID_ARGUMENT: not an image", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_AddressIsNotTheGrpcEndpoint_StopsAtTheFirstFileWithOneLine()
    {
        using var dir = new TempFolder();
        string a = dir.Write("a.png", "not-grpc");
        string b = dir.Write("b.png", "not-grpc");
        var client = new FakeDetectorClient();

        (int code, string output, string error) = await RunAsync(["score", "--server", "http://detector.test:5001", a, b], Fake(client));

        Assert.Equal(1, code);
        Assert.Equal(1, client.ScoreCalls);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Cannot use the detector server at http://detector.test:5001: INTERNAL: ", line, StringComparison.Ordinal);
        Assert.EndsWith("(is that the detector's gRPC address? see --server)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_InternalAnsweredByTheServer_RejectsThatFileAndGoesOn()
    {
        using var dir = new TempFolder();
        string failing = dir.Write("a.png", "internal");
        string good = dir.Write("b.png", "0.9");
        var client = new FakeDetectorClient();

        (int code, string output, string error) = await RunAsync(["score", failing, good], Fake(client));

        Assert.Equal(1, code);
        Assert.Equal(2, client.ScoreCalls);
        Assert.Contains($"{failing}: rejected: INTERNAL: Internal error", error, StringComparison.Ordinal);
        Assert.Contains("0.9000", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_UnknownModel_ExitsTwoOnceBeforeScoringListingServerModels()
    {
        using var dir = new TempFolder();
        string a = dir.Write("a.png", "0.9");
        string b = dir.Write("b.png", "0.1");
        var client = new FakeDetectorClient();

        (int code, string output, string error) = await RunAsync(["score", "--models", "nosuch", a, b], Fake(client));

        Assert.Equal(2, code);
        Assert.Equal("Unknown model(s) nosuch; the server has: m1." + Environment.NewLine, error);
        Assert.Equal("", output);
        Assert.Equal(0, client.ScoreCalls);
    }

    [Fact]
    public async Task Score_KnownModel_ScoresEveryFile()
    {
        using var dir = new TempFolder();
        string a = dir.Write("a.png", "0.9");
        string b = dir.Write("b.png", "0.1");
        var client = new FakeDetectorClient();

        (int code, _, string error) = await RunAsync(["score", "--models", "m1", a, b], Fake(client));

        Assert.True(code == 0, error);
        Assert.Equal(2, client.ScoreCalls);
    }

    [Fact]
    public async Task Score_Folder_ScoresEveryFileUnderItInPathOrder()
    {
        using var dir = new TempFolder();
        dir.Write("case/b/1.jpg", "0.9");
        dir.Write("case/a.png", "0.1");
        dir.Write("case/b.dat", "0.3"); // any extension
        var client = new FakeDetectorClient();

        (int code, string output, string error) = await RunAsync(["score", dir.PathOf("case")], Fake(client));

        Assert.True(code == 0, error);
        Assert.Equal(3, client.ScoreCalls);
        int a = output.IndexOf(dir.PathOf("case/a.png"), StringComparison.Ordinal);
        int bDat = output.IndexOf(dir.PathOf("case/b.dat"), StringComparison.Ordinal);
        int b1 = output.IndexOf(dir.PathOf("case/b/1.jpg"), StringComparison.Ordinal);
        Assert.True(a >= 0 && a < bDat && bDat < b1, output);
    }

    [Fact]
    public async Task Score_FolderWithNonImagesAndEmptyFile_PrintsEachOnStderrAndExitsOne()
    {
        using var dir = new TempFolder();
        dir.Write("case/good.png", "0.9");
        dir.Write("case/junk.png", "bad");
        dir.Write("case/empty.jpg", "");

        (int code, string output, string error) = await RunAsync(["score", dir.PathOf("case")], Fake(new FakeDetectorClient()));

        Assert.Equal(1, code);
        Assert.Contains("likely AI-generated", output, StringComparison.Ordinal);
        string[] lines = error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                $"{dir.PathOf("case/empty.jpg")}: not scored: empty (0 bytes), or not a regular file",
                $"{dir.PathOf("case/junk.png")}: rejected: INVALID_ARGUMENT: not an image",
                "Not scored: 2 of 3 (see the lines above).",
            ],
            lines);
    }

    [Fact]
    public async Task Score_FileOverTheMessageLimit_NotReadNotSentReported()
    {
        using var dir = new TempFolder();
        dir.Write("case/good.png", "0.9");
        string huge = dir.Write("case/video.mp4", "");
        using (FileStream stream = File.OpenWrite(huge))
        {
            stream.SetLength(InputFiles.MaxFileBytes + 1); // sparse: no 64 MiB written
        }

        var client = new FakeDetectorClient();
        (int code, string output, string error) = await RunAsync(["score", dir.PathOf("case")], Fake(client));

        Assert.Equal(1, code);
        Assert.Contains("likely AI-generated", output, StringComparison.Ordinal);
        Assert.Contains($"{huge}: not scored: {InputFiles.MaxFileBytes + 1} bytes, over the {InputFiles.MaxFileBytes} bytes", error, StringComparison.Ordinal);
        Assert.Equal(1, client.ScoreCalls);
    }

    [Fact]
    public async Task Score_FolderJson_IdIsThePathUnderTheFolder()
    {
        using var dir = new TempFolder();
        dir.Write("case/x/1.png", "0.2");
        dir.Write("case/y/1.png", "0.7");

        (int code, string output, _) = await RunAsync(["score", "--json", dir.PathOf("case")], Fake(new FakeDetectorClient()));

        Assert.Equal(0, code);
        string[] ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).ToArray();
        Assert.Equal(["x/1.png", "y/1.png"], ids);
    }

    [Fact]
    public async Task Score_MissingPath_ReportedAndOthersStillScored()
    {
        using var dir = new TempFolder();
        string good = dir.Write("good.png", "0.9");
        var client = new FakeDetectorClient();

        (int code, _, string error) = await RunAsync(["score", dir.PathOf("nope.png"), good], Fake(client));

        Assert.Equal(1, code);
        Assert.Contains($"{dir.PathOf("nope.png")}: no such file or folder", error, StringComparison.Ordinal);
        Assert.Equal(1, client.ScoreCalls);
    }

    [Fact]
    public async Task Score_Json_PrintsOneJsonObjectPerFile()
    {
        using var dir = new TempFolder();
        string file = dir.Write("a.png", "0.25");

        (int code, string output, _) = await RunAsync(["score", "--json", file], Fake(new FakeDetectorClient()));

        Assert.Equal(0, code);
        JsonNode result = JsonNode.Parse(output.Trim())!;
        Assert.Equal("m1", result["scores"]![0]!["model"]!.GetValue<string>());
        Assert.False(result["scores"]![0]!["positive"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Models_FakeServer_PrintsTable()
    {
        (int code, string output, _) = await RunAsync(["models"], Fake(new FakeDetectorClient()));

        Assert.Equal(0, code);
        Assert.Contains("m1", output, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_FakeServer_RowHasSha256AndFullRecipeOnOneLine()
    {
        (int code, string output, _) = await RunAsync(["models"], Fake(new FakeDetectorClient()));

        Assert.Equal(0, code);
        string row = Assert.Single(output.Split('\n'), static l => l.Contains(" m1 ", StringComparison.Ordinal));
        Assert.Contains(FakeDetectorClient.M1Sha256, row, StringComparison.Ordinal);
        Assert.Contains("256x256 stretch pil-bilinear, RGB NCHW, scale divide 255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]", row, StringComparison.Ordinal);
        Assert.Contains("wrap it over several lines.", row, StringComparison.Ordinal);
        Assert.Contains("sha256", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_Json_PrintsTheListModelsResponseAsOneJsonLine()
    {
        (int code, string output, _) = await RunAsync(["models", "--json"], Fake(new FakeDetectorClient()));

        Assert.Equal(0, code);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        JsonNode model = JsonNode.Parse(line)!["models"]![0]!;
        Assert.Equal("m1", model["name"]!.GetValue<string>());
        Assert.Equal(FakeDetectorClient.M1Sha256, model["sha256"]!.GetValue<string>());
        Assert.True(model["isDefault"]!.GetValue<bool>());
        Assert.Equal("pil-bilinear", model["input"]!["resizeFilter"]!.GetValue<string>());
        Assert.Equal("divide 255", model["input"]!["scale"]!.GetValue<string>());
        Assert.Equal([0.229f, 0.224f, 0.225f], model["input"]!["std"]!.AsArray().Select(static v => v!.GetValue<float>()));
    }

    [Theory]
    [InlineData("score")]
    [InlineData("models")]
    [InlineData("eval")]
    public async Task BadServerAddress_ExitsTwoWithTheMessageAlone(string command)
    {
        using var dir = new TempFolder();
        string file = dir.Write("data/real/a.png", "0.25");
        string[] args = command switch
        {
            "score" => ["score", "--server", "foo", file],
            "models" => ["models", "--server", "foo"],
            _ => ["eval", "--server", "foo", "--data", dir.PathOf("data"), "--out", dir.PathOf("out")],
        };

        (int code, _, string error) = await RunAsync(args, CliServices.Default);

        Assert.Equal(2, code);
        Assert.Equal("--server must be an http:// or https:// address, got 'foo'." + Environment.NewLine, error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("score", "--help")]
    [InlineData("models", "--help")]
    [InlineData("eval", "--help")]
    public async Task Help_ServerOption_StatesTheDefaultOnce(params string[] args)
    {
        (int code, string output, _) = await RunAsync(args, Unreachable());

        Assert.Equal(0, code);
        string line = Assert.Single(output.Split('\n'), static l => l.TrimStart().StartsWith("--server", StringComparison.Ordinal));
        Assert.StartsWith("--server <url>", line.TrimStart(), StringComparison.Ordinal);
        Assert.EndsWith("Default: $DETECTOR_SERVER, else http://127.0.0.1:5000.", line.TrimEnd(), StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(line, "127\\.0\\.0\\.1"));
        Assert.DoesNotContain("[default:", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "http://127.0.0.1:5000")]
    [InlineData(null, "", "http://127.0.0.1:5000")]
    [InlineData(null, "http://from-env:7000", "http://from-env:7000")]
    [InlineData("http://given:6000", "http://from-env:7000", "http://given:6000")]
    public async Task Server_OptionElseEnvironmentElseDefault_IsTheAddressUsed(string? option, string? environment, string expected)
    {
        var connected = new List<string>();
        var services = new CliServices(
            address =>
            {
                connected.Add(address);
                return new DetectorConnection(new FakeDetectorClient());
            },
            new FixedTime(Now),
            name => name == "DETECTOR_SERVER" ? environment : null);
        string[] args = option is null ? ["models"] : ["models", "--server", option];

        (int code, string output, string error) = await RunAsync(args, services);

        Assert.True(code == 0, error);
        Assert.Equal([expected], connected);
        Assert.Contains($"1 model on {expected}", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("score")]
    [InlineData("score-json")]
    [InlineData("models")]
    [InlineData("eval")]
    [InlineData("--help")]
    [InlineData("score --help")]
    [InlineData("models --help")]
    [InlineData("eval --help")]
    public async Task Output_NotATerminal_NoLineEndsInBlanks(string command)
    {
        using var dir = new TempFolder();
        for (int i = 0; i < 8; i++)
        {
            dir.Write($"data/real/cam_{i}.png", "0.2");
            dir.Write($"data/fake/gen_{i}.png", "0.8");
        }

        dir.Write("data/real/cam_bad.png", "bad");
        string[] args = command switch
        {
            "score" => ["score", dir.PathOf("data")],
            "score-json" => ["score", "--json", dir.PathOf("data")],
            "eval" => ["eval", "--data", dir.PathOf("data"), "--out", dir.PathOf("out"), "--bootstrap", "10"],
            _ => command.Split(' '),
        };

        (_, string output, string error) = await RunAsync(args, Fake(new FakeDetectorClient()));

        Assert.NotEqual("", output);
        Assert.All(output.Split('\n').Concat(error.Split('\n')), static line => Assert.False(line.TrimEnd('\r').EndsWith(' ') || line.EndsWith('\t'), $"'{line}'"));
    }

    [Fact]
    public async Task Score_NotATerminal_TableColumnsStayAligned()
    {
        using var dir = new TempFolder();
        string file = dir.Write("a.png", "0.25");

        (int code, string output, _) = await RunAsync(["score", file], Fake(new FakeDetectorClient()));

        Assert.Equal(0, code);
        string[] lines = output.Split(Environment.NewLine);
        string header = Assert.Single(lines, static l => l.Contains("threshold", StringComparison.Ordinal));
        string m1 = Assert.Single(lines, static l => l.Contains(" m1 ", StringComparison.Ordinal));
        string faces = Assert.Single(lines, static l => l.Contains(" faces ", StringComparison.Ordinal));
        Assert.Equal("  model   version   task         score   threshold   positive", header);
        Assert.Equal("  m1      1         synthetic   0.2500      0.5000   no", m1);
        Assert.Equal("  faces   1         auxiliary   1.0000      0.5000   yes", faces);
    }

    [Fact]
    public void ParseModels_CommaSeparatedAndRepeated_AreFlattened()
    {
        RootCommand root = CliApp.CreateRootCommand(Unreachable());
        ParseResult parsed = root.Parse(["score", "--models", "a,b", "--models", "c", "x.png"]);
        Option<string[]> models = (Option<string[]>)parsed.CommandResult.Command.Options.Single(static o => o.Name == "--models");

        Assert.Empty(parsed.Errors);
        Assert.Equal(["a", "b", "c"], CommonOptions.SplitModels(parsed.GetValue(models)));
    }

    [Fact]
    public void Describe_UnavailableRaisedByTheClient_HintsAtTheServerAddress()
    {
        RpcException refused = new(new Status(StatusCode.Unavailable, "Error connecting to subchannel.", new HttpRequestException("Connection refused")));

        Assert.Equal("UNAVAILABLE: Error connecting to subchannel. (is the detector server running there? see --server)", Consoles.Describe(refused));
    }

    [Fact]
    public void Describe_InternalRaisedByTheClient_HintsAtTheGrpcAddress()
    {
        RpcException http1 = new(new Status(StatusCode.Internal, "Error starting gRPC call.", new HttpRequestException("HTTP_1_1_REQUIRED")));

        Assert.Equal("INTERNAL: Error starting gRPC call. (is that the detector's gRPC address? see --server)", Consoles.Describe(http1));
        Assert.True(Consoles.IsServerFailure(http1));
    }

    [Fact]
    public void IsServerFailure_InternalAnsweredByTheServer_IsNot()
    {
        RpcException oneImage = new(new Status(StatusCode.Internal, "Internal error"));

        Assert.False(Consoles.IsServerFailure(oneImage));
        Assert.Equal("INTERNAL: Internal error", Consoles.Describe(oneImage));
    }

    [Fact]
    public void Describe_UnavailableAnsweredByTheServer_IsShownAsTheServerSaidIt()
    {
        RpcException stopping = new(new Status(StatusCode.Unavailable, "the service is shutting down and accepts no new images"));

        Assert.Equal("UNAVAILABLE: the service is shutting down and accepts no new images", Consoles.Describe(stopping));
    }

    private static CliServices Unreachable() =>
        new(static _ => throw new InvalidOperationException("no server is needed for this test"), new FixedTime(Now));

    private static CliServices Fake(FakeDetectorClient client) => new(_ => new DetectorConnection(client), new FixedTime(Now));

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, CliServices services)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await CliApp.RunAsync(args, new InvocationConfiguration { Output = output, Error = error }, services);
        return (code, output.ToString(), error.ToString());
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
