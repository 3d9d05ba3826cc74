using System.Text.Json;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Generators;

/// <summary>Recognises generator parameters in a set of keyed texts (PNG text chunks, or NovelAI's hidden copy).</summary>
internal static class TextSetInterpreter
{
    /// <summary>The keys whose text the interpreter consumes (others are reported as plain text facts).</summary>
    public static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "parameters", "prompt", "workflow", "invokeai_metadata", "invokeai_graph", "invokeai_workflow", "sd-metadata", "Dream",
        "fooocus_scheme", "Software", "Comment", "Description", "Source", "Title", "Generation time",
    };

    public static List<(string Key, GeneratorTrace Trace)> Interpret(IReadOnlyDictionary<string, string> texts, int maxDepth, WorkBudget budget)
    {
        List<(string, GeneratorTrace)> traces = [];
        string? Get(string key) => texts.TryGetValue(key, out string? value) ? value : null;

        if (Get("parameters") is { } parameters)
        {
            using JsonDocument? json = JsonGenerators.TryParse(parameters, maxDepth);
            GeneratorTrace? trace = json is not null ? JsonGenerators.Fooocus(json.RootElement) : A1111Parameters.Parse(parameters);
            if (trace is not null)
            {
                traces.Add(("parameters", trace));
            }
        }

        bool comfy = false;
        if (Get("prompt") is { } prompt)
        {
            using JsonDocument? json = JsonGenerators.TryParse(prompt, maxDepth);
            if (json is not null && JsonGenerators.ComfyPrompt(json.RootElement, budget) is { } trace)
            {
                traces.Add(("prompt", trace));
                comfy = true;
            }
        }

        if (!comfy && Get("workflow") is { } workflow)
        {
            using JsonDocument? json = JsonGenerators.TryParse(workflow, maxDepth);
            if (json is not null && JsonGenerators.ComfyWorkflow(json.RootElement) is { } trace)
            {
                traces.Add(("workflow", trace));
            }
        }

        if (Get("invokeai_metadata") is { } invoke)
        {
            using JsonDocument? json = JsonGenerators.TryParse(invoke, maxDepth);
            if (json is not null && JsonGenerators.InvokeAiMetadata(json.RootElement) is { } trace)
            {
                traces.Add(("invokeai_metadata", trace));
            }
        }
        else if (Get("sd-metadata") is { } legacy)
        {
            using JsonDocument? json = JsonGenerators.TryParse(legacy, maxDepth);
            if (json is not null && JsonGenerators.InvokeAiLegacy(json.RootElement) is { } trace)
            {
                traces.Add(("sd-metadata", trace));
            }
        }
        else if (Get("Dream") is { } dream && DreamCommand.Parse(dream) is { } dreamTrace)
        {
            traces.Add(("Dream", dreamTrace));
        }
        else if (Get("invokeai_graph") is not null || Get("invokeai_workflow") is not null)
        {
            traces.Add((Get("invokeai_graph") is not null ? "invokeai_graph" : "invokeai_workflow", new GeneratorTrace("InvokeAI", FindingStrength.SupportingHint, [("generator", "InvokeAI")])));
        }

        if (JsonGenerators.NovelAi(Get, maxDepth) is { } novel)
        {
            traces.Add((texts.ContainsKey("Comment") ? "Comment" : "Software", novel));
        }

        if (Get("fooocus_scheme") is { } scheme && !traces.Exists(t => t.Item2.Generator.Contains("Fooocus", StringComparison.OrdinalIgnoreCase)))
        {
            traces.Add(("fooocus_scheme", new GeneratorTrace("Fooocus", FindingStrength.SupportingHint, [("generator", "Fooocus"), ("scheme", scheme)])));
        }

        if (Get("Description") is { } description && description.Contains("Job ID:", StringComparison.Ordinal))
        {
            int at = description.IndexOf("Job ID:", StringComparison.Ordinal);
            string job = description[(at + 7)..].Trim();
            traces.Add(("Description", new GeneratorTrace("Midjourney", FindingStrength.SupportingHint, [("generator", "Midjourney (going by the Job ID format)"), ("job_id", job.Length > 64 ? job[..64] : job), ("description", description), ("author", Get("Author"))])));
        }

        return traces;
    }
}
