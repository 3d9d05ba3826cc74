using Detector.Evidence.Model;

namespace Detector.Evidence.Generators;

/// <summary>InvokeAI 1.x/2.x "Dream" text: <c>"prompt" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms</c>.</summary>
internal static class DreamCommand
{
    public static GeneratorTrace? Parse(string text)
    {
        string trimmed = text.Trim();
        string prompt;
        string rest;
        if (trimmed.StartsWith('"'))
        {
            int close = trimmed.IndexOf('"', 1);
            if (close < 0)
            {
                return null;
            }

            prompt = trimmed[1..close];
            rest = trimmed[(close + 1)..];
        }
        else
        {
            int dash = trimmed.IndexOf(" -", StringComparison.Ordinal);
            prompt = dash < 0 ? trimmed : trimmed[..dash];
            rest = dash < 0 ? string.Empty : trimmed[dash..];
        }

        string[] tokens = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? Option(string flag)
        {
            for (int i = 0; i + 1 < tokens.Length; i++)
            {
                if (tokens[i] == flag)
                {
                    return tokens[i + 1];
                }
            }

            return null;
        }

        string? seed = Option("-S");
        string? steps = Option("-s");
        List<(string, string?)> values =
        [
            ("generator", "InvokeAI (legacy Dream)"),
            ("prompt", prompt.Length == 0 ? null : prompt),
            ("seed", seed),
            ("sampler", Option("-A")),
            ("steps", steps),
            ("cfg", Option("-C")),
            ("size", Option("-W") is { } w && Option("-H") is { } h ? w + "x" + h : null),
        ];
        FindingStrength strength = seed is not null && steps is not null ? FindingStrength.ProofOfAiGeneration : FindingStrength.SupportingHint;
        return new GeneratorTrace("InvokeAI", strength, values);
    }
}
