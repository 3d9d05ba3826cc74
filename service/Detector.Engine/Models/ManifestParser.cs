using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Detector.Imaging.Preprocessing;

namespace Detector.Engine.Models;

/// <summary>
/// Reads <c>manifest.json</c> files strictly: unknown fields, wrong types and out-of-range values are errors
/// that name the file and the field, so a broken model directory stops start-up with an actionable message.
/// </summary>
public static partial class ManifestParser
{
    private static readonly HashSet<string> TopLevelFields = new(StringComparer.Ordinal)
    {
        "name", "version", "task", "description", "caution", "file", "sha256", "default", "threshold", "maxBatchSize", "input", "output",
    };

    private static readonly HashSet<string> InputFields = new(StringComparer.Ordinal)
    {
        "name", "layout", "colorOrder", "width", "height", "resize", "shorterSide", "filter", "scale", "scaleValue", "mean", "std", "padValue",
    };

    private static readonly HashSet<string> OutputFields = new(StringComparer.Ordinal)
    {
        "name", "kind", "positiveIndex", "meaning",
    };

    /// <summary>Longest <c>caution</c>: it goes into the verdict's label, the line an investigator reads first.</summary>
    public const int MaxCautionLength = 120;

    /// <summary>Largest accepted manifest; a manifest is a few hundred bytes.</summary>
    private const int MaxManifestBytes = 64 * 1024;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ModelNamePattern();

    public static ModelManifest ParseFile(string manifestPath)
    {
        string fullPath = Path.GetFullPath(manifestPath);
        FileInfo info = new(fullPath);
        if (!info.Exists)
        {
            throw new ManifestException(fullPath, null, "file not found");
        }

        if (info.Length > MaxManifestBytes)
        {
            throw new ManifestException(fullPath, null, $"larger than {MaxManifestBytes} bytes");
        }

        return Parse(File.ReadAllText(fullPath), fullPath);
    }

    public static ModelManifest Parse(string json, string manifestPath)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new ManifestException(manifestPath, null, $"not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            Reader r = new(manifestPath);
            JsonElement root = doc.RootElement;
            r.RequireObject(root, "(root)");
            r.RejectUnknown(root, TopLevelFields, "");

            string name = r.RequiredString(root, "name", "name");
            if (!ModelNamePattern().IsMatch(name))
            {
                throw new ManifestException(manifestPath, "name", $"'{name}' must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit");
            }

            string version = r.RequiredString(root, "version", "version");
            ModelTask task = r.RequiredEnum(root, "task", "task", TaskNames);
            string description = r.OptionalString(root, "description", "description") ?? "";
            string caution = r.OptionalString(root, "caution", "caution") ?? "";
            if (caution.Length > MaxCautionLength || caution.Any(char.IsControl))
            {
                throw new ManifestException(manifestPath, "caution", $"must be one line of at most {MaxCautionLength} characters (it is shown in verdict labels)");
            }

            string file = r.RequiredString(root, "file", "file");
            string directory = Path.GetDirectoryName(manifestPath) ?? ".";
            string modelPath = Path.GetFullPath(Path.Combine(directory, file));
            if (!File.Exists(modelPath))
            {
                throw new ManifestException(manifestPath, "file", $"model file '{file}' not found next to the manifest");
            }

            string? sha = r.OptionalString(root, "sha256", "sha256");
            if (sha is not null && (sha.Length != 64 || !sha.All(Uri.IsHexDigit)))
            {
                throw new ManifestException(manifestPath, "sha256", "must be 64 hex characters");
            }

            bool isDefault = r.OptionalBool(root, "default", "default") ?? true;
            float threshold = r.OptionalFloat(root, "threshold", "threshold") ?? 0.5f;
            if (!(threshold >= 0f && threshold <= 1f))
            {
                throw new ManifestException(manifestPath, "threshold", $"{threshold.ToString(CultureInfo.InvariantCulture)} is outside [0,1]");
            }

            int maxBatch = r.OptionalInt(root, "maxBatchSize", "maxBatchSize") ?? 16;
            if (maxBatch is < 1 or > 1024)
            {
                throw new ManifestException(manifestPath, "maxBatchSize", $"{maxBatch} is outside 1..1024");
            }

            JsonElement input = r.RequiredProperty(root, "input", "input");
            r.RequireObject(input, "input");
            r.RejectUnknown(input, InputFields, "input.");
            (string inputName, PreprocessRecipe recipe) = ParseInput(r, input);
            if (recipe.ResizeMode == ResizeMode.None && maxBatch != 1 && root.TryGetProperty("maxBatchSize", out _))
            {
                throw new ManifestException(manifestPath, "maxBatchSize", "must be 1 when input.resize is 'none' (images keep their own size)");
            }

            // One batch is one float[] of maxBatchSize x channels x height x width (counted in int by the batcher).
            long batchFloats = (long)maxBatch * recipe.Channels * recipe.Width * recipe.Height;
            if (recipe.ResizeMode != ResizeMode.None && batchFloats > Array.MaxLength)
            {
                throw new ManifestException(
                    manifestPath,
                    "maxBatchSize",
                    $"{maxBatch} images of {recipe.Channels}x{recipe.Height}x{recipe.Width} floats are {batchFloats} values, more than one buffer holds ({Array.MaxLength}); lower maxBatchSize to at most {Array.MaxLength / ((long)recipe.Channels * recipe.Width * recipe.Height)}");
            }

            JsonElement output = r.RequiredProperty(root, "output", "output");
            r.RequireObject(output, "output");
            r.RejectUnknown(output, OutputFields, "output.");
            OutputSpec outputSpec = new(
                r.RequiredString(output, "name", "output.name"),
                r.RequiredEnum(output, "kind", "output.kind", OutputKindNames),
                r.OptionalInt(output, "positiveIndex", "output.positiveIndex") ?? 0,
                r.OptionalString(output, "meaning", "output.meaning") ?? "");
            if (outputSpec.PositiveIndex < 0)
            {
                throw new ManifestException(manifestPath, "output.positiveIndex", "must be ≥ 0");
            }

            return new ModelManifest
            {
                Name = name,
                Version = version,
                Task = task,
                Description = description,
                Caution = caution,
                ModelPath = modelPath,
                ManifestPath = manifestPath,
                DeclaredSha256 = sha?.ToLowerInvariant(),
                IsDefault = isDefault,
                Threshold = threshold,
                MaxBatchSize = recipe.ResizeMode == ResizeMode.None ? 1 : maxBatch,
                InputName = inputName,
                Recipe = recipe,
                Output = outputSpec,
            };
        }
    }

    private static (string Name, PreprocessRecipe Recipe) ParseInput(Reader r, JsonElement input)
    {
        string name = r.RequiredString(input, "name", "input.name");
        ResizeMode resize = r.OptionalEnum(input, "resize", "input.resize", ResizeNames) ?? ResizeMode.Stretch;
        int width = 0;
        int height = 0;
        if (resize != ResizeMode.None)
        {
            width = r.RequiredInt(input, "width", "input.width");
            height = r.RequiredInt(input, "height", "input.height");
            if (width is < 1 or > 8192)
            {
                throw new ManifestException(r.File, "input.width", $"{width} is outside 1..8192");
            }

            if (height is < 1 or > 8192)
            {
                throw new ManifestException(r.File, "input.height", $"{height} is outside 1..8192");
            }
        }

        int shorter = 0;
        if (resize == ResizeMode.ShorterSideCenterCrop)
        {
            shorter = r.RequiredInt(input, "shorterSide", "input.shorterSide");
            if (shorter < Math.Max(width, height) || shorter > 16384)
            {
                throw new ManifestException(r.File, "input.shorterSide", $"{shorter} must be at least the crop size ({Math.Max(width, height)}) and at most 16384");
            }
        }

        ColorOrder colorOrder = r.OptionalEnum(input, "colorOrder", "input.colorOrder", ColorNames) ?? ColorOrder.Rgb;
        int channels = colorOrder == ColorOrder.Luma ? 1 : 3;
        IReadOnlyList<float>? mean = r.OptionalFloats(input, "mean", "input.mean", channels);
        IReadOnlyList<float>? std = r.OptionalFloats(input, "std", "input.std", channels);
        if ((mean is null) != (std is null))
        {
            throw new ManifestException(r.File, mean is null ? "input.mean" : "input.std", "mean and std must be given together");
        }

        if (std is not null && std.Any(s => !(s > 0f) || float.IsInfinity(s)))
        {
            throw new ManifestException(r.File, "input.std", "every value must be a positive finite number");
        }

        float scaleValue = r.OptionalFloat(input, "scaleValue", "input.scaleValue") ?? 255f;
        if (!(scaleValue > 0f) || float.IsInfinity(scaleValue))
        {
            throw new ManifestException(r.File, "input.scaleValue", "must be a positive finite number");
        }

        PreprocessRecipe recipe = new()
        {
            Width = width,
            Height = height,
            ResizeMode = resize,
            ShorterSide = shorter,
            Filter = r.OptionalEnum(input, "filter", "input.filter", FilterNames) ?? ResizeFilter.PilBilinear,
            Layout = r.OptionalEnum(input, "layout", "input.layout", LayoutNames) ?? TensorLayout.Nchw,
            ColorOrder = colorOrder,
            ScaleMode = r.OptionalEnum(input, "scale", "input.scale", ScaleNames) ?? ScaleMode.Divide,
            ScaleValue = scaleValue,
            Mean = mean,
            Std = std,
            PadValue = r.OptionalFloat(input, "padValue", "input.padValue") ?? 0f,
        };
        return (name, recipe);
    }

    public static readonly IReadOnlyDictionary<string, ModelTask> TaskNames = new Dictionary<string, ModelTask>(StringComparer.Ordinal)
    {
        ["synthetic"] = ModelTask.Synthetic,
        ["manipulation"] = ModelTask.Manipulation,
        ["auxiliary"] = ModelTask.Auxiliary,
    };

    public static readonly IReadOnlyDictionary<string, OutputKind> OutputKindNames = new Dictionary<string, OutputKind>(StringComparer.Ordinal)
    {
        ["probability"] = OutputKind.Probability,
        ["probability-of-real"] = OutputKind.ProbabilityOfReal,
        ["logit"] = OutputKind.Logit,
        ["softmax"] = OutputKind.Softmax,
        ["logits-softmax"] = OutputKind.LogitsSoftmax,
        ["map"] = OutputKind.Map,
    };

    public static readonly IReadOnlyDictionary<string, ResizeMode> ResizeNames = new Dictionary<string, ResizeMode>(StringComparer.Ordinal)
    {
        ["none"] = ResizeMode.None,
        ["stretch"] = ResizeMode.Stretch,
        ["shorter-side-center-crop"] = ResizeMode.ShorterSideCenterCrop,
        ["center-crop"] = ResizeMode.CenterCrop,
        ["fixed-height-pad-width"] = ResizeMode.FixedHeightPadWidth,
    };

    public static readonly IReadOnlyDictionary<string, ResizeFilter> FilterNames = new Dictionary<string, ResizeFilter>(StringComparer.Ordinal)
    {
        ["pil-nearest"] = ResizeFilter.PilNearest,
        ["pil-bilinear"] = ResizeFilter.PilBilinear,
        ["pil-bicubic"] = ResizeFilter.PilBicubic,
        ["opencv-linear"] = ResizeFilter.OpenCvLinear,
    };

    public static readonly IReadOnlyDictionary<string, TensorLayout> LayoutNames = new Dictionary<string, TensorLayout>(StringComparer.Ordinal)
    {
        ["NCHW"] = TensorLayout.Nchw,
        ["NHWC"] = TensorLayout.Nhwc,
    };

    public static readonly IReadOnlyDictionary<string, ColorOrder> ColorNames = new Dictionary<string, ColorOrder>(StringComparer.Ordinal)
    {
        ["RGB"] = ColorOrder.Rgb,
        ["BGR"] = ColorOrder.Bgr,
        ["luma"] = ColorOrder.Luma,
    };

    public static readonly IReadOnlyDictionary<string, ScaleMode> ScaleNames = new Dictionary<string, ScaleMode>(StringComparer.Ordinal)
    {
        ["divide"] = ScaleMode.Divide,
        ["reciprocal-multiply"] = ScaleMode.ReciprocalMultiply,
    };

    /// <summary>Wire name of an enum value, from the same tables the parser reads.</summary>
    public static string NameOf<T>(IReadOnlyDictionary<string, T> table, T value)
        where T : struct, Enum
    {
        foreach (KeyValuePair<string, T> pair in table)
        {
            if (EqualityComparer<T>.Default.Equals(pair.Value, value))
            {
                return pair.Key;
            }
        }

        return value.ToString();
    }

    /// <summary>Typed accessors that turn every JSON shape problem into a <see cref="ManifestException"/>.</summary>
    private sealed class Reader(string file)
    {
        public string File { get; } = file;

        public void RequireObject(JsonElement element, string field)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new ManifestException(File, field, "must be a JSON object");
            }
        }

        public void RejectUnknown(JsonElement obj, HashSet<string> known, string prefix)
        {
            foreach (JsonProperty property in obj.EnumerateObject())
            {
                if (!known.Contains(property.Name))
                {
                    throw new ManifestException(File, prefix + property.Name, $"unknown field (known: {string.Join(", ", known)})");
                }
            }
        }

        public JsonElement RequiredProperty(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                throw new ManifestException(File, field, "is required");
            }

            return value;
        }

        public string RequiredString(JsonElement obj, string name, string field)
        {
            string? value = OptionalString(obj, name, field);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ManifestException(File, field, "is required and must be a non-empty string");
            }

            return value;
        }

        public string? OptionalString(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw new ManifestException(File, field, $"must be a string, not {value.ValueKind}");
        }

        public bool? OptionalBool(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ManifestException(File, field, "must be true or false"),
            };
        }

        public int RequiredInt(JsonElement obj, string name, string field)
            => OptionalInt(obj, name, field) ?? throw new ManifestException(File, field, "is required");

        public int? OptionalInt(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int i)
                ? i
                : throw new ManifestException(File, field, "must be an integer");
        }

        public float? OptionalFloat(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && double.IsFinite(d)
                ? (float)d
                : throw new ManifestException(File, field, "must be a finite number");
        }

        public IReadOnlyList<float>? OptionalFloats(JsonElement obj, string name, string field, int count)
        {
            if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != count)
            {
                throw new ManifestException(File, field, $"must be an array of {count} numbers (one per channel)");
            }

            float[] result = new float[count];
            int i = 0;
            foreach (JsonElement item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out double d) || !double.IsFinite(d))
                {
                    throw new ManifestException(File, $"{field}[{i}]", "must be a finite number");
                }

                // Manifest numbers are read as double then narrowed, exactly as Python's float32(0.485) is.
                result[i++] = (float)d;
            }

            return result;
        }

        public T RequiredEnum<T>(JsonElement obj, string name, string field, IReadOnlyDictionary<string, T> names)
            where T : struct
            => OptionalEnum(obj, name, field, names) ?? throw new ManifestException(File, field, $"is required (one of: {string.Join(", ", names.Keys)})");

        public T? OptionalEnum<T>(JsonElement obj, string name, string field, IReadOnlyDictionary<string, T> names)
            where T : struct
        {
            string? text = OptionalString(obj, name, field);
            if (text is null)
            {
                return null;
            }

            return names.TryGetValue(text, out T value)
                ? value
                : throw new ManifestException(File, field, $"'{text}' is not one of: {string.Join(", ", names.Keys)}");
        }
    }
}
