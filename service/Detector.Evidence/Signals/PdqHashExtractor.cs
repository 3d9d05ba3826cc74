using System.Globalization;
using Detector.Evidence.Hashing;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Signals;

/// <summary>Wraps <see cref="PdqHasher"/> as an extractor: a neutral fact carrying the PDQ hash for matching against hash lists.</summary>
internal sealed class PdqHashExtractor : IEvidenceExtractor
{
    private static readonly PdqHasher Hasher = new();

    public string Name => "pdq-hash";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        if (context.Pixels is not { } pixels)
        {
            return;
        }

        PdqHash hash = Hasher.Compute(pixels.Rgb.Span, pixels.Width, pixels.Height);
        string usable = hash.IsMatchable ? "usable for matching" : $"quality below {PdqHasher.MinimumQuality}: too unreliable to match on";
        sink.Add(
            FindingKinds.PerceptualHash,
            FindingStrength.NeutralFact,
            $"PDQ perceptual hash {hash.Hex} (quality {hash.Quality}, {usable}).",
            context.At("decoded pixels", null),
            ("pdq", hash.Hex),
            ("quality", hash.Quality.ToString(CultureInfo.InvariantCulture)),
            ("matchable", hash.IsMatchable ? "yes" : "no"),
            ("algorithm", "PDQ core algorithm on full-resolution decoded pixels (Meta's stock hasher first squashes to 512x512; hashes may differ by up to about 10 bits)"));
    }
}
