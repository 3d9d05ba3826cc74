using System.Text.Json.Nodes;

namespace Detector.TestSupport;

/// <summary>A temporary model repository folder: sub-folders with manifest.json and a model. Deleted on dispose.</summary>
public sealed class TestModelFolder : IDisposable
{
    public TestModelFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "detector-models-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Weights of the standard tiny model: favours red, so red images score high and blue ones low.</summary>
    public static readonly float[] TinyWeights = [4f, 0f, -4f];

    /// <summary>The tiny model's score for pure red (1, 0, 0): sigmoid(4).</summary>
    public static readonly double TinyRedScore = 1.0 / (1.0 + Math.Exp(-4.0));

    /// <summary>The tiny model's score for pure blue (0, 0, 1): sigmoid(-4).</summary>
    public static readonly double TinyBlueScore = 1.0 / (1.0 + Math.Exp(4.0));

    /// <summary>
    /// Adds the tiny mean-colour model as a "synthetic" detector reading 32×32 RGB through PIL bilinear, /255, sigmoid output.
    /// <paramref name="edit"/> can change the manifest before it is written.
    /// </summary>
    public string AddTinyModel(string name, bool isDefault = true, int maxBatch = 8, Action<JsonObject>? edit = null, int size = 32)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        TinyOnnxModel.WriteMeanColorModel(Path.Combine(dir, "model.onnx"), TinyWeights, 0f, sigmoid: true, height: size, width: size);
        JsonObject manifest = new()
        {
            ["name"] = name,
            ["version"] = "test-1",
            ["task"] = "synthetic",
            ["description"] = "tiny mean-colour test model",
            ["file"] = "model.onnx",
            ["default"] = isDefault,
            ["threshold"] = 0.5,
            ["maxBatchSize"] = maxBatch,
            ["input"] = new JsonObject
            {
                ["name"] = "input",
                ["layout"] = "NCHW",
                ["colorOrder"] = "RGB",
                ["width"] = size,
                ["height"] = size,
                ["resize"] = "stretch",
                ["filter"] = "pil-bilinear",
                ["scale"] = "divide",
                ["scaleValue"] = 255,
            },
            ["output"] = new JsonObject
            {
                ["name"] = "output",
                ["kind"] = "probability",
                ["meaning"] = "sigmoid(4*mean(R) - 4*mean(B))",
            },
        };
        edit?.Invoke(manifest);
        string path = Path.Combine(dir, "manifest.json");
        File.WriteAllText(path, manifest.ToJsonString());
        return path;
    }

    /// <summary>Writes a manifest (and nothing else) into its own sub-folder.</summary>
    public string AddManifest(string folder, string json)
    {
        string dir = Path.Combine(Root, folder);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "manifest.json");
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
