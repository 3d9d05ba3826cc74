using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Detector.Bench;

/// <summary>
/// A temporary model folder for one run: the chosen model's test manifest with ${SHARED} replaced by the shared folder,
/// marked default. "resnet50-random" is generated when no manifest names it (bench/tools/make_resnet50.py, Debian's python3-torch).
/// </summary>
internal sealed class ModelFolder : IDisposable
{
    public const string ResNetName = "resnet50-random";

    private ModelFolder(string root, string directory, string model)
    {
        Root = root;
        Directory = directory;
        Model = model;
    }

    /// <summary>The temporary root (removed on dispose).</summary>
    public string Root { get; }

    /// <summary>The folder to pass as --models: one sub-folder holding manifest.json.</summary>
    public string Directory { get; }

    public string Model { get; }

    public static ModelFolder Create(string model, string manifestsDirectory, string? sharedDirectory, string? repoRoot, TextWriter log)
    {
        string root = System.IO.Directory.CreateTempSubdirectory("detector-bench-").FullName;
        try
        {
            string models = Path.Combine(root, "models");
            string modelDir = Path.Combine(models, model);
            System.IO.Directory.CreateDirectory(modelDir);
            JsonObject manifest = FindManifest(model, manifestsDirectory, sharedDirectory)
                ?? (model == ResNetName ? GenerateResNet(root, repoRoot, log) : null)
                ?? throw new InvalidOperationException($"no manifest named '{model}' in {manifestsDirectory}");
            manifest["default"] = true;
            File.WriteAllText(Path.Combine(modelDir, "manifest.json"), manifest.ToJsonString());
            return new ModelFolder(root, models, model);
        }
        catch
        {
            System.IO.Directory.Delete(root, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; the run's results are already written.
        }
    }

    private static JsonObject? FindManifest(string model, string manifestsDirectory, string? sharedDirectory)
    {
        if (!System.IO.Directory.Exists(manifestsDirectory))
        {
            return null;
        }

        foreach (string file in System.IO.Directory.EnumerateFiles(manifestsDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            string text = File.ReadAllText(file);
            if (text.Contains("${SHARED}", StringComparison.Ordinal))
            {
                if (sharedDirectory is null)
                {
                    throw new InvalidOperationException($"{file} uses ${{SHARED}}: set --shared DIR or DETECTOR_SHARED");
                }

                text = text.Replace("${SHARED}", Path.GetFullPath(sharedDirectory).Replace('\\', '/'), StringComparison.Ordinal);
            }

            if (JsonNode.Parse(text) is JsonObject node && node["name"]?.GetValue<string>() == model)
            {
                // Relative model paths are relative to the manifest they came from.
                string modelFile = node["file"]!.GetValue<string>();
                node["file"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, modelFile));
                return node;
            }
        }

        return null;
    }

    private static JsonObject GenerateResNet(string root, string? repoRoot, TextWriter log)
    {
        string script = repoRoot is null ? "" : Path.Combine(repoRoot, "bench", "tools", "make_resnet50.py");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"'{ResNetName}' has no manifest and bench/tools/make_resnet50.py is not here to generate it");
        }

        string onnx = Path.Combine(root, "resnet50-random.onnx");
        log.WriteLine($"Generating {ResNetName} (random weights) with /usr/bin/python3 {script} ...");
        ProcessStartInfo start = new("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(onnx);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("make_resnet50.py did not finish within 5 minutes");
        }

        if (process.ExitCode != 0 || !File.Exists(onnx))
        {
            throw new InvalidOperationException(
                $"make_resnet50.py failed ({process.ExitCode}): {stderr.Result.Trim()} (needs Debian's python3-torch and python3-torchvision: apt-get install python3-torchvision)");
        }

        log.WriteLine(stdout.Result.Trim());
        return ResNetManifest(onnx);
    }

    /// <summary>The manifest of the generated model: ImageNet recipe at 224 × 224, one logit.</summary>
    public static JsonObject ResNetManifest(string onnxPath) => new()
    {
        ["name"] = ResNetName,
        ["version"] = "random-weights",
        ["task"] = "synthetic",
        ["description"] = "ResNet-50 architecture with random weights, generated by the bench for load tests only",
        ["file"] = onnxPath,
        ["threshold"] = 0.5,
        ["maxBatchSize"] = 16,
        ["input"] = new JsonObject
        {
            ["name"] = "input",
            ["layout"] = "NCHW",
            ["colorOrder"] = "RGB",
            ["width"] = 224,
            ["height"] = 224,
            ["resize"] = "stretch",
            ["filter"] = "pil-bilinear",
            ["scale"] = "divide",
            ["scaleValue"] = 255,
            ["mean"] = new JsonArray(0.485, 0.456, 0.406),
            ["std"] = new JsonArray(0.229, 0.224, 0.225),
        },
        ["output"] = new JsonObject { ["name"] = "logit", ["kind"] = "logit", ["meaning"] = "random weights: the score means nothing" },
    };
}
