using System.Text.RegularExpressions;

namespace Detector.Evidence.Internal;

/// <summary>
/// Names of image generators and editors as they appear in software fields (EXIF Software, XMP CreatorTool, PNG Software).
/// A name in such a field is weak evidence: anyone can write it.
/// </summary>
internal static partial class GeneratorNames
{
    /// <summary>The generator named in <paramref name="text"/>, or null.</summary>
    public static string? FindGenerator(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        Match match = GeneratorPattern().Match(text.Length > 1024 ? text[..1024] : text);
        return match.Success ? match.Value : null;
    }

    /// <summary>The image editor named in <paramref name="text"/> (tools that can alter content), or null.</summary>
    public static string? FindEditor(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        Match match = EditorPattern().Match(text.Length > 1024 ? text[..1024] : text);
        return match.Success ? match.Value : null;
    }

    [GeneratedRegex(
        @"\b(NovelAI|Midjourney|DALL[\-·\.]?E(\s?[23])?|Stable[\s_\-]?Diffusion|SDXL|AUTOMATIC1111|ComfyUI|InvokeAI|Fooocus|Adobe[\s_]Firefly|Firefly|Imagen|Gemini|FLUX(\.1|\.2)?|Leonardo(\.Ai)?|Ideogram|Draw\sThings|DiffusionBee|Craiyon|Bing\sImage\sCreator|NightCafe|Kolors|Civitai|diffusers|Stability\sAI|Grok|ChatGPT|OpenAI|Recraft|Krea|Runway(ML)?|Tensor\.Art|SeaArt|PixAI|Dreamina|Hunyuan(DiT)?|Seedream|Qwen-Image|Google\sAI|Made\swith\sAI|AI[\s\-]generated)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 200)]
    private static partial Regex GeneratorPattern();

    [GeneratedRegex(
        @"\b(Photoshop|GIMP|Affinity\sPhoto|Pixelmator|Paint\.NET|Photopea|Snapseed|FaceApp|Facetune|PicsArt|Luminar)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 200)]
    private static partial Regex EditorPattern();
}
