using Detector.Evidence.Model;

namespace Detector.Evidence.Generators;

/// <summary>
/// Parses the AUTOMATIC1111-style "parameters" text (also written by Forge, SD.Next, Fooocus's a1111 scheme, Civitai):
/// prompt lines, an optional "Negative prompt:" block, and a last line of "Key: value" pairs starting with "Steps:".
/// </summary>
internal static class A1111Parameters
{
    private const int MaxPairs = 100;

    public static GeneratorTrace? Parse(string text)
    {
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int paramsLine = -1;
        for (int i = lines.Length - 1; i >= 0; i--)
        {
            string trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith("Steps:", StringComparison.Ordinal) || (trimmed.Contains("Steps: ", StringComparison.Ordinal) && trimmed.Contains("Sampler: ", StringComparison.Ordinal)))
            {
                paramsLine = i;
                break;
            }
        }

        if (paramsLine < 0)
        {
            return null;
        }

        int negativeLine = -1;
        for (int i = 0; i < paramsLine; i++)
        {
            if (lines[i].StartsWith("Negative prompt:", StringComparison.Ordinal))
            {
                negativeLine = i;
                break;
            }
        }

        int promptEnd = negativeLine >= 0 ? negativeLine : paramsLine;
        string prompt = string.Join("\n", lines[..promptEnd]).Trim();
        string? negative = null;
        if (negativeLine >= 0)
        {
            negative = (lines[negativeLine]["Negative prompt:".Length..] + (paramsLine > negativeLine + 1 ? "\n" + string.Join("\n", lines[(negativeLine + 1)..paramsLine]) : string.Empty)).Trim();
        }

        List<(string Key, string Value)> pairs = ParsePairs(lines[paramsLine]);
        string? Find(string key)
        {
            foreach ((string k, string v) in pairs)
            {
                if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
                {
                    return v;
                }
            }

            return null;
        }

        bool structured = Find("Steps") is not null && (Find("Sampler") is not null || Find("Seed") is not null || Find("CFG scale") is not null);
        string? version = Find("Version");
        string generator = GeneratorName(version, Find("Civitai resources") is not null || Find("Civitai metadata") is not null);
        bool inpainting = Find("Mask blur") is not null || Find("Inpaint area") is not null || Find("Masked content") is not null;
        string? denoise = Find("Denoising strength");
        FindingStrength strength = !structured ? FindingStrength.SupportingHint : inpainting ? FindingStrength.ProofOfAiEditing : FindingStrength.ProofOfAiGeneration;
        string mode = inpainting ? "inpainting (AI repainted a masked region of an input image)" : denoise is not null && Find("Hires upscale") is null ? "img2img or hires pass (denoising strength " + denoise + ")" : "txt2img";

        List<(string Key, string? Value)> values =
        [
            ("generator", generator),
            ("prompt", prompt.Length == 0 ? null : prompt),
            ("negative_prompt", string.IsNullOrEmpty(negative) ? null : negative),
            ("model", Find("Model")),
            ("model_hash", Find("Model hash")),
            ("seed", Find("Seed")),
            ("sampler", Find("Sampler")),
            ("scheduler", Find("Schedule type")),
            ("steps", Find("Steps")),
            ("cfg", Find("CFG scale")),
            ("size", Find("Size")),
            ("mode", mode),
            ("version", version),
        ];
        foreach ((string k, string v) in pairs)
        {
            if (k is not ("Model" or "Model hash" or "Seed" or "Sampler" or "Schedule type" or "Steps" or "CFG scale" or "Size" or "Version"))
            {
                values.Add(("param: " + k, v));
            }
        }

        return new GeneratorTrace(generator, strength, values);
    }

    /// <summary>Splits "Key: value, Key: "quoted, value", …" into pairs; quoted values may hold commas.</summary>
    internal static List<(string Key, string Value)> ParsePairs(string line)
    {
        List<(string, string)> pairs = [];
        int i = 0;
        while (i < line.Length && pairs.Count < MaxPairs)
        {
            while (i < line.Length && (line[i] == ' ' || line[i] == ','))
            {
                i++;
            }

            int colon = line.IndexOf(':', i);
            if (colon < 0)
            {
                break;
            }

            string key = line[i..colon].Trim();
            i = colon + 1;
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }

            string value;
            if (i < line.Length && line[i] == '"')
            {
                int end = i + 1;
                while (end < line.Length && !(line[end] == '"' && line[end - 1] != '\\'))
                {
                    end++;
                }

                value = line[(i + 1)..Math.Min(end, line.Length)];
                i = end + 1;
                int comma = line.IndexOf(',', Math.Min(i, line.Length));
                i = comma < 0 ? line.Length : comma + 1;
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                value = line[i..end].Trim();
                i = end + 1;
            }

            if (key.Length is > 0 and <= 64)
            {
                pairs.Add((key, value));
            }
        }

        return pairs;
    }

    private static string GeneratorName(string? version, bool civitai)
    {
        if (civitai)
        {
            return "Civitai generator (AUTOMATIC1111-style parameters)";
        }

        if (version is null)
        {
            return "AUTOMATIC1111-style WebUI (AUTOMATIC1111, Forge, SD.Next or similar)";
        }

        if (version.Contains("Fooocus", StringComparison.OrdinalIgnoreCase))
        {
            return "Fooocus (" + version + ")";
        }

        if (version.StartsWith('f') || version.Contains("forge", StringComparison.OrdinalIgnoreCase))
        {
            return "Stable Diffusion WebUI Forge (" + version + ")";
        }

        if (version.StartsWith('v') || version.StartsWith('1'))
        {
            return "AUTOMATIC1111 Stable Diffusion WebUI (" + version + ")";
        }

        return "AUTOMATIC1111-style WebUI (" + version + ")";
    }
}
