using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Detector.Evaluation;

/// <summary>Writes a chosen threshold into a model's <c>manifest.json</c>, keeping every other field and their order.</summary>
public static class ManifestThreshold
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, IndentSize = 2 };

    /// <summary>The manifest's <c>name</c> field, or null when it has none.</summary>
    public static string? ReadModelName(string manifestPath)
    {
        JsonObject manifest = Load(manifestPath);
        return manifest["name"] is JsonValue value && value.TryGetValue(out string? name) ? name : null;
    }

    /// <summary>Sets <c>threshold</c> and returns the previous value (null when the field was absent, meaning the default 0.5).</summary>
    /// <exception cref="InvalidDataException">The file is not a JSON object.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is outside [0, 1].</exception>
    public static double? Write(string manifestPath, double threshold)
    {
        // The service refuses to start on a threshold outside [0, 1]; better to refuse here than to write one.
        if (!(threshold >= 0 && threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be within [0, 1]; no such threshold meets the target (real images score 1.0).");
        }

        JsonObject manifest = Load(manifestPath);
        double? previous = manifest["threshold"] is JsonValue old && old.TryGetValue(out double d) ? d : null;

        // The service reads the threshold as float32 and compares float32 scores, and thresholds come from those scores:
        // a float-exact value is written as the shortest text of that float ("0.35"), which parses back to the very score,
        // so the images tied at the threshold stay flagged.
        float asFloat = (float)threshold;
        manifest["threshold"] = asFloat == threshold ? JsonValue.Create(asFloat) : JsonValue.Create(threshold);

        // Write beside and then replace, so a crash never leaves a half-written manifest that stops the service from starting.
        string temp = manifestPath + ".tmp";
        File.WriteAllText(temp, manifest.ToJsonString(WriteOptions) + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, manifestPath, overwrite: true);
        return previous;
    }

    private static JsonObject Load(string manifestPath)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(manifestPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{manifestPath} is not valid JSON: {ex.Message}", ex);
        }

        return node as JsonObject ?? throw new InvalidDataException($"{manifestPath} does not hold a JSON object.");
    }
}
