using System.Globalization;
using System.Text.Json;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Generators;

/// <summary>Parsers for the JSON that generators write: ComfyUI graphs, InvokeAI metadata, NovelAI comments, Fooocus parameters.</summary>
internal static class JsonGenerators
{
    private const int MaxNodes = 20_000;
    private const int MaxLinkDepth = 12;

    public static JsonDocument? TryParse(string text, int maxDepth)
    {
        string trimmed = text.TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(trimmed, new JsonDocumentOptions { MaxDepth = maxDepth, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>ComfyUI's "prompt" chunk: the executed graph { id: { class_type, inputs } }.</summary>
    public static GeneratorTrace? ComfyPrompt(JsonElement root, WorkBudget budget)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        Dictionary<string, JsonElement> nodes = new(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            budget.Check();
            if (nodes.Count >= MaxNodes)
            {
                break;
            }

            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("class_type", out JsonElement type) && type.ValueKind == JsonValueKind.String)
            {
                nodes[property.Name] = property.Value;
            }
        }

        if (nodes.Count == 0)
        {
            return null;
        }

        JsonElement? sampler = null;
        List<string> models = [];
        List<string> loras = [];
        bool editing = false;
        string? inputImage = null;
        string? seed = null;
        foreach ((string _, JsonElement node) in nodes)
        {
            budget.Check();
            string classType = node.GetProperty("class_type").GetString() ?? string.Empty;
            JsonElement inputs = node.TryGetProperty("inputs", out JsonElement i) && i.ValueKind == JsonValueKind.Object ? i : default;
            if (sampler is null && classType.Contains("Sampler", StringComparison.OrdinalIgnoreCase) && inputs.ValueKind == JsonValueKind.Object
                && (inputs.TryGetProperty("steps", out _) || inputs.TryGetProperty("positive", out _) || inputs.TryGetProperty("guider", out _) || inputs.TryGetProperty("noise", out _)))
            {
                sampler = node;
            }

            if (classType.Contains("Inpaint", StringComparison.OrdinalIgnoreCase) || classType is "SetLatentNoiseMask" or "ImagePadForOutpaint")
            {
                editing = true;
            }

            if (inputs.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (classType == "LoadImage" && inputs.TryGetProperty("image", out JsonElement image) && image.ValueKind == JsonValueKind.String)
            {
                inputImage ??= image.GetString();
            }

            if (classType == "RandomNoise" && inputs.TryGetProperty("noise_seed", out JsonElement noiseSeed) && IsScalar(noiseSeed))
            {
                seed ??= Scalar(noiseSeed);
            }

            foreach (JsonProperty input in inputs.EnumerateObject())
            {
                if (input.Value.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                if (input.Name is "ckpt_name" or "unet_name" or "model_name" or "gguf_name")
                {
                    AddDistinct(models, input.Value.GetString());
                }
                else if (input.Name == "lora_name")
                {
                    AddDistinct(loras, input.Value.GetString());
                }
            }
        }

        string? prompt = null;
        string? negative = null;
        string? steps = null;
        string? cfg = null;
        string? samplerName = null;
        string? scheduler = null;
        string? denoise = null;
        if (sampler is { } s && s.TryGetProperty("inputs", out JsonElement sInputs) && sInputs.ValueKind == JsonValueKind.Object)
        {
            seed = Input(sInputs, "seed", nodes) ?? Input(sInputs, "noise_seed", nodes) ?? seed;
            steps = Input(sInputs, "steps", nodes);
            cfg = Input(sInputs, "cfg", nodes);
            samplerName = Input(sInputs, "sampler_name", nodes);
            scheduler = Input(sInputs, "scheduler", nodes);
            denoise = Input(sInputs, "denoise", nodes);
            JsonElement conditioningSource = sInputs;
            if (!sInputs.TryGetProperty("positive", out _) && sInputs.TryGetProperty("guider", out JsonElement guiderLink) && Linked(guiderLink, nodes) is { } guider
                && guider.TryGetProperty("inputs", out JsonElement guiderInputs) && guiderInputs.ValueKind == JsonValueKind.Object)
            {
                conditioningSource = guiderInputs;
                cfg ??= Input(guiderInputs, "cfg", nodes);
            }

            if (conditioningSource.TryGetProperty("positive", out JsonElement positive))
            {
                prompt = ResolveText(positive, nodes, 0, budget, []);
            }
            else if (conditioningSource.TryGetProperty("conditioning", out JsonElement conditioning))
            {
                prompt = ResolveText(conditioning, nodes, 0, budget, []);
            }

            if (conditioningSource.TryGetProperty("negative", out JsonElement negativeLink))
            {
                negative = ResolveText(negativeLink, nodes, 0, budget, []);
            }
        }

        if (prompt is null)
        {
            foreach ((string _, JsonElement node) in nodes)
            {
                if ((node.GetProperty("class_type").GetString() ?? string.Empty).Contains("TextEncode", StringComparison.OrdinalIgnoreCase) && node.TryGetProperty("inputs", out JsonElement inputs) && inputs.ValueKind == JsonValueKind.Object)
                {
                    prompt = TextOf(inputs);
                    if (prompt is not null)
                    {
                        break;
                    }
                }
            }
        }

        FindingStrength strength = sampler is null ? FindingStrength.SupportingHint : editing ? FindingStrength.ProofOfAiEditing : FindingStrength.ProofOfAiGeneration;
        List<(string, string?)> values =
        [
            ("generator", "ComfyUI"),
            ("prompt", prompt),
            ("negative_prompt", negative),
            ("model", models.Count == 0 ? null : string.Join("; ", models)),
            ("seed", seed),
            ("sampler", samplerName),
            ("scheduler", scheduler),
            ("steps", steps),
            ("cfg", cfg),
            ("denoise", denoise),
            ("loras", loras.Count == 0 ? null : string.Join("; ", loras)),
            ("mode", editing ? "inpainting/outpainting (AI repainted part of an input image)" : inputImage is not null ? "uses an input image" : null),
            ("input_image", inputImage),
            ("nodes", nodes.Count.ToString(CultureInfo.InvariantCulture)),
        ];
        return new GeneratorTrace("ComfyUI", strength, values);
    }

    /// <summary>ComfyUI's "workflow" chunk (UI graph): only used when "prompt" is absent.</summary>
    public static GeneratorTrace? ComfyWorkflow(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("nodes", out JsonElement nodes) || nodes.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        int count = 0;
        bool sampler = false;
        foreach (JsonElement node in nodes.EnumerateArray())
        {
            if (++count > MaxNodes)
            {
                break;
            }

            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && (type.GetString() ?? string.Empty).Contains("Sampler", StringComparison.OrdinalIgnoreCase))
            {
                sampler = true;
            }
        }

        return new GeneratorTrace("ComfyUI", sampler ? FindingStrength.ProofOfAiGeneration : FindingStrength.SupportingHint, [("generator", "ComfyUI"), ("workflow_nodes", count.ToString(CultureInfo.InvariantCulture))]);
    }

    /// <summary>InvokeAI ≥3 "invokeai_metadata".</summary>
    public static GeneratorTrace? InvokeAiMetadata(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? model = null;
        if (root.TryGetProperty("model", out JsonElement modelElement))
        {
            model = modelElement.ValueKind == JsonValueKind.Object ? Prop(modelElement, "name") ?? Prop(modelElement, "model_name") ?? Prop(modelElement, "key") : Scalar(modelElement);
        }

        string? mode = Prop(root, "generation_mode");
        bool editing = mode is not null && (mode.Contains("inpaint", StringComparison.OrdinalIgnoreCase) || mode.Contains("outpaint", StringComparison.OrdinalIgnoreCase));
        string version = Prop(root, "app_version") is { } v ? "InvokeAI " + v : "InvokeAI";
        List<(string, string?)> values =
        [
            ("generator", version),
            ("prompt", Prop(root, "positive_prompt")),
            ("negative_prompt", Prop(root, "negative_prompt")),
            ("model", model),
            ("seed", Prop(root, "seed")),
            ("sampler", Prop(root, "scheduler")),
            ("steps", Prop(root, "steps")),
            ("cfg", Prop(root, "cfg_scale")),
            ("size", Prop(root, "width") is { } w && Prop(root, "height") is { } h ? w + "x" + h : null),
            ("mode", mode),
        ];
        bool structured = Prop(root, "seed") is not null || Prop(root, "steps") is not null || Prop(root, "positive_prompt") is not null;
        return new GeneratorTrace(version, !structured ? FindingStrength.SupportingHint : editing ? FindingStrength.ProofOfAiEditing : FindingStrength.ProofOfAiGeneration, values);
    }

    /// <summary>
    /// InvokeAI 2.x "sd-metadata": proof only with a prompt, seed or steps, like "invokeai_metadata". An img2img run with an
    /// inpainting mask (a non-empty <c>init_mask</c> or <c>mask_hash</c>) repainted part of an input image: editing.
    /// </summary>
    public static GeneratorTrace? InvokeAiLegacy(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // One "image" object, or for a grid an "images" array with one entry per seed (the first is reported).
        JsonElement image = root.TryGetProperty("image", out JsonElement i) && i.ValueKind == JsonValueKind.Object ? i
            : root.TryGetProperty("images", out JsonElement grid) && grid.ValueKind == JsonValueKind.Array && grid.GetArrayLength() > 0 && grid[0].ValueKind == JsonValueKind.Object ? grid[0]
            : root;
        string? prompt = null;
        if (image.TryGetProperty("prompt", out JsonElement promptElement))
        {
            prompt = promptElement.ValueKind == JsonValueKind.Array && promptElement.GetArrayLength() > 0 && promptElement[0].ValueKind == JsonValueKind.Object ? Prop(promptElement[0], "prompt") : Scalar(promptElement);
        }

        string? type = Prop(image, "type");
        bool inpainting = type == "img2img" && (!string.IsNullOrWhiteSpace(Prop(image, "init_mask")) || !string.IsNullOrWhiteSpace(Prop(image, "mask_hash")));
        List<(string, string?)> values =
        [
            ("generator", "InvokeAI (legacy sd-metadata)"),
            ("prompt", prompt),
            ("model", Prop(root, "model_weights") ?? Prop(root, "model_id") ?? Prop(root, "model")),
            ("seed", Prop(image, "seed")),
            ("sampler", Prop(image, "sampler")),
            ("steps", Prop(image, "steps")),
            ("cfg", Prop(image, "cfg_scale")),
            ("mode", inpainting ? type + " inpainting (AI repainted a masked region of an input image)" : type),
        ];
        bool structured = prompt is not null || Prop(image, "seed") is not null || Prop(image, "steps") is not null;
        return new GeneratorTrace("InvokeAI", !structured ? FindingStrength.SupportingHint : inpainting ? FindingStrength.ProofOfAiEditing : FindingStrength.ProofOfAiGeneration, values);
    }

    /// <summary>NovelAI: Software, Source, Description (prompt) and Comment (JSON parameters) text fields.</summary>
    public static GeneratorTrace? NovelAi(Func<string, string?> text, int maxDepth)
    {
        string? software = text("Software");
        string? comment = text("Comment");
        string? source = text("Source");
        bool named = software is not null && software.Contains("NovelAI", StringComparison.OrdinalIgnoreCase);
        using JsonDocument? document = comment is null ? null : TryParse(comment, maxDepth);
        JsonElement parameters = document?.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : default;
        bool hasParameters = parameters.ValueKind == JsonValueKind.Object && (parameters.TryGetProperty("uc", out _) || parameters.TryGetProperty("sampler", out _)) && parameters.TryGetProperty("seed", out _);
        if (!named && !hasParameters)
        {
            return null;
        }

        string? requestType = hasParameters ? Prop(parameters, "request_type") : null;
        bool editing = requestType is not null && requestType.Contains("Infill", StringComparison.OrdinalIgnoreCase);
        List<(string, string?)> values =
        [
            ("generator", "NovelAI"),
            ("prompt", text("Description") ?? (hasParameters ? Prop(parameters, "prompt") : null)),
            ("negative_prompt", hasParameters ? Prop(parameters, "uc") : null),
            ("model", source),
            ("seed", hasParameters ? Prop(parameters, "seed") : null),
            ("sampler", hasParameters ? Prop(parameters, "sampler") : null),
            ("steps", hasParameters ? Prop(parameters, "steps") : null),
            ("cfg", hasParameters ? Prop(parameters, "scale") : null),
            ("size", hasParameters && Prop(parameters, "width") is { } w && Prop(parameters, "height") is { } h ? w + "x" + h : null),
            ("mode", requestType),
            ("strength", hasParameters ? Prop(parameters, "strength") : null),
            ("title", text("Title")),
            ("generation_time", text("Generation time")),
            ("software", software),
        ];
        FindingStrength strength = !(named && hasParameters) && !hasParameters ? FindingStrength.SupportingHint : editing ? FindingStrength.ProofOfAiEditing : FindingStrength.ProofOfAiGeneration;
        return new GeneratorTrace("NovelAI", strength, values);
    }

    /// <summary>Fooocus "parameters" as JSON (its default metadata scheme).</summary>
    public static GeneratorTrace? Fooocus(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? Get(params string[] keys)
        {
            foreach (JsonProperty property in root.EnumerateObject())
            {
                string normalized = property.Name.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
                foreach (string key in keys)
                {
                    if (normalized == key)
                    {
                        return Scalar(property.Value);
                    }
                }
            }

            return null;
        }

        string? version = Get("version");
        string? prompt = Get("prompt");
        string? seed = Get("seed");
        if (prompt is null && seed is null)
        {
            return null;
        }

        string generator = version is not null && version.Contains("Fooocus", StringComparison.OrdinalIgnoreCase) ? version : "Fooocus";
        List<(string, string?)> values =
        [
            ("generator", generator),
            ("prompt", prompt),
            ("negative_prompt", Get("negativeprompt")),
            ("model", Get("basemodel", "model")),
            ("seed", seed),
            ("sampler", Get("sampler")),
            ("scheduler", Get("scheduler")),
            ("steps", Get("steps")),
            ("cfg", Get("guidancescale", "cfgscale", "cfg")),
            ("size", Get("resolution")),
            ("performance", Get("performance")),
            ("styles", Get("styles")),
            ("refiner_model", Get("refinermodel")),
        ];
        bool structured = seed is not null && (Get("sampler") is not null || Get("basemodel") is not null || Get("steps") is not null);
        return new GeneratorTrace(generator, structured ? FindingStrength.ProofOfAiGeneration : FindingStrength.SupportingHint, values);
    }

    /// <summary>
    /// Follows conditioning links back to a text. <paramref name="failedAt"/> remembers, per node id, the smallest depth at
    /// which the node resolved to nothing: it cannot do better deeper down, so it is not walked again. Without it a graph
    /// whose nodes link to each other through several inputs costs (inputs)^depth calls.
    /// </summary>
    private static string? ResolveText(JsonElement link, Dictionary<string, JsonElement> nodes, int depth, WorkBudget budget, Dictionary<string, int> failedAt)
    {
        budget.Check();
        if (depth > MaxLinkDepth)
        {
            return null;
        }

        if (link.ValueKind == JsonValueKind.String)
        {
            return link.GetString();
        }

        if (LinkKey(link) is not { } key || !nodes.TryGetValue(key, out JsonElement node) || !node.TryGetProperty("inputs", out JsonElement inputs) || inputs.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (failedAt.TryGetValue(key, out int failedDepth) && failedDepth <= depth)
        {
            return null;
        }

        if (TextOf(inputs) is { } direct)
        {
            return direct;
        }

        foreach (string name in new[] { "text", "text_g", "t5xxl", "clip_l", "prompt", "conditioning", "conditioning_1", "conditioning_to", "positive", "string", "value" })
        {
            if (inputs.TryGetProperty(name, out JsonElement next) && next.ValueKind == JsonValueKind.Array)
            {
                string? resolved = ResolveText(next, nodes, depth + 1, budget, failedAt);
                if (resolved is not null)
                {
                    return resolved;
                }
            }
        }

        failedAt[key] = depth;
        return null;
    }

    private static string? TextOf(JsonElement inputs)
    {
        foreach (string key in new[] { "text", "text_g", "t5xxl", "clip_l", "prompt", "string", "value" })
        {
            if (inputs.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }

        return null;
    }

    private static JsonElement? Linked(JsonElement link, Dictionary<string, JsonElement> nodes)
        => LinkKey(link) is { } key && nodes.TryGetValue(key, out JsonElement node) ? node : null;

    /// <summary>The node id a link ["id", slot] points at, or null when it is not a link.</summary>
    private static string? LinkKey(JsonElement link)
    {
        if (link.ValueKind == JsonValueKind.Array && link.GetArrayLength() >= 1)
        {
            JsonElement id = link[0];
            return id.ValueKind == JsonValueKind.String ? id.GetString() : id.ValueKind == JsonValueKind.Number ? id.GetRawText() : null;
        }

        return null;
    }

    private static string? Input(JsonElement inputs, string name, Dictionary<string, JsonElement> nodes)
    {
        if (!inputs.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        if (IsScalar(value))
        {
            return Scalar(value);
        }

        // A linked primitive (seed widget converted to input): take the first scalar input of the linked node.
        if (Linked(value, nodes) is { } node && node.TryGetProperty("inputs", out JsonElement linkedInputs) && linkedInputs.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in linkedInputs.EnumerateObject())
            {
                if (IsScalar(property.Value))
                {
                    return Scalar(property.Value);
                }
            }
        }

        return null;
    }

    private static bool IsScalar(JsonElement element) => element.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    private static string? Prop(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) ? Scalar(value) : null;

    private static string? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Array or JsonValueKind.Object => element.GetRawText(),
        _ => null,
    };

    private static void AddDistinct(List<string> list, string? value)
    {
        if (!string.IsNullOrEmpty(value) && list.Count < 8 && !list.Contains(value))
        {
            list.Add(value);
        }
    }
}
