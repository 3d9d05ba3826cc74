using Detector.Evidence.Model;

namespace Detector.Evidence.Generators;

/// <summary>Generation parameters recognised in metadata: who wrote them and the key values, in display order.</summary>
/// <param name="Generator">The tool ("AUTOMATIC1111 Stable Diffusion WebUI", "ComfyUI", "NovelAI"…).</param>
/// <param name="Strength">Proof of generation or editing, or a hint when the structure is incomplete.</param>
/// <param name="Values">generator, prompt, negative_prompt, model, seed, sampler, steps, cfg…; null values are left out.</param>
internal sealed record GeneratorTrace(string Generator, FindingStrength Strength, List<(string Key, string? Value)> Values)
{
    public string? Get(string key)
    {
        foreach ((string k, string? v) in Values)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>"model X, seed N" for summaries; empty when neither is known.</summary>
    public string ShortDetails()
    {
        List<string> parts = [];
        if (Get("model") is { Length: > 0 } model)
        {
            parts.Add("model " + (model.Length > 80 ? model[..80] + "…" : model));
        }

        if (Get("seed") is { Length: > 0 } seed)
        {
            parts.Add("seed " + seed);
        }

        return parts.Count == 0 ? string.Empty : " (" + string.Join(", ", parts) + ")";
    }
}
