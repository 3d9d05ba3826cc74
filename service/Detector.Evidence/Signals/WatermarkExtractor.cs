using System.Globalization;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;
using Detector.Evidence.Watermark;

namespace Detector.Evidence.Signals;

/// <summary>
/// Wraps <see cref="DwtDctWatermarkDecoder"/> (invisible-watermark dwtDct) as an extractor over the caller's decoded
/// pixels. Positive-only: a match is strong evidence; no match proves nothing (JPEG, resizing and cropping destroy it).
/// </summary>
internal sealed class WatermarkExtractor : IEvidenceExtractor
{
    public string Name => "watermark-dwtdct";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        if (context.Pixels is not { } pixels)
        {
            return;
        }

        FindingLocation location = context.At("decoded pixels", null);
        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(pixels.Rgb.Span, pixels.Width, pixels.Height);
        if (result.Status == DwtDctDecodeStatus.TooSmall || result.Strongest is not { } best)
        {
            sink.Add(FindingKinds.Watermark, FindingStrength.NeutralFact, $"Invisible watermark not examined: {pixels.Width}x{pixels.Height} is below the decoder's 256x256 minimum.", location, ("status", result.Status.ToString()));
            return;
        }

        string bits = $"{best.MatchingBits} of {best.Length} bits";
        bool textPayload = best.Payload.Text is not null;
        bool proof = textPayload ? best.TextMatches : best.Match == DwtDctMatch.VeryLikely;
        (string Key, string? Value)[] values =
        [
            ("payload", best.Payload.Name),
            ("matching_bits", best.MatchingBits.ToString(CultureInfo.InvariantCulture)),
            ("payload_bits", best.Length.ToString(CultureInfo.InvariantCulture)),
            ("match", best.Match.ToString()),
            ("decoded_bits", best.DecodedBitString),
            ("blocks", result.BlockCount.ToString(CultureInfo.InvariantCulture)),
            ("method", "invisible-watermark dwtDct (U channel, scale 36)"),
        ];
        if (proof)
        {
            sink.Add(FindingKinds.Watermark, FindingStrength.ProofOfAiGeneration, $"Invisible watermark '{best.Payload.Name}' decoded from the pixels ({bits} match), as Stable Diffusion tooling embeds it.", location, values);
        }
        else if (best.Match == DwtDctMatch.Likely || (textPayload && best.Match >= DwtDctMatch.Likely))
        {
            sink.Add(FindingKinds.Watermark, FindingStrength.SupportingHint, $"Invisible watermark '{best.Payload.Name}' likely present ({bits} match; a small chance of coincidence).", location, values);
        }
        else
        {
            sink.Add(FindingKinds.Watermark, FindingStrength.NeutralFact, $"No known invisible watermark found (best: '{best.Payload.Name}', {bits}); re-encoding, resizing or cropping removes it, so this proves nothing.", location, values);
        }
    }
}
