using System.Text.Json.Nodes;

namespace Detector.Evaluation.Tests;

public class ManifestThresholdTests
{
    private const string Manifest = """
        {
          "name": "meso4-df",
          "version": "2018.1",
          "task": "synthetic",
          "file": "Meso4_DF.onnx",
          "threshold": 0.5,
          "maxBatchSize": 16,
          "input": { "name": "input", "width": 256, "height": 256 },
          "output": { "name": "p_real", "kind": "probability-of-real" }
        }
        """;

    [Fact]
    public void Write_ExistingThreshold_ReplacesItAndKeepsOtherFieldsInOrder()
    {
        using var dir = new TempFolder();
        string path = dir.Write("manifest.json", Manifest);
        double threshold = 0.35f;

        double? previous = ManifestThreshold.Write(path, threshold);

        Assert.Equal(0.5, previous);
        JsonObject written = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        JsonObject original = JsonNode.Parse(Manifest)!.AsObject();
        Assert.Equal(original.Select(static p => p.Key), written.Select(static p => p.Key));
        Assert.Equal(0.35f, written["threshold"]!.GetValue<float>()); // read back as float (as the service does), it is the score itself
        Assert.Contains("\"threshold\": 0.35,", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(original["input"], written["input"]));
        Assert.Equal("probability-of-real", written["output"]!["kind"]!.GetValue<string>());
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Write_NoThreshold_AddsItAndReturnsNull()
    {
        using var dir = new TempFolder();
        string path = dir.Write("manifest.json", """{ "name": "m", "version": "1" }""");

        double? previous = ManifestThreshold.Write(path, 0.25);

        Assert.Null(previous);
        Assert.Equal(0.25, JsonNode.Parse(File.ReadAllText(path))!["threshold"]!.GetValue<double>());
    }

    [Fact]
    public void Write_ThresholdAboveOne_ThrowsAndLeavesFileAlone()
    {
        using var dir = new TempFolder();
        string path = dir.Write("manifest.json", Manifest);

        Assert.Throws<ArgumentOutOfRangeException>(() => ManifestThreshold.Write(path, MathF.BitIncrement(1f)));
        Assert.Equal(Manifest, File.ReadAllText(path));
    }

    [Fact]
    public void ReadModelName_Manifest_ReturnsName()
    {
        using var dir = new TempFolder();
        string path = dir.Write("manifest.json", Manifest);

        Assert.Equal("meso4-df", ManifestThreshold.ReadModelName(path));
    }

    [Fact]
    public void ReadModelName_NotJson_ThrowsInvalidData()
    {
        using var dir = new TempFolder();
        string path = dir.Write("manifest.json", "not json");

        Assert.Throws<InvalidDataException>(() => ManifestThreshold.ReadModelName(path));
    }
}
