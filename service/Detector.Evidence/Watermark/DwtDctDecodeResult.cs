using System.Collections.Immutable;

namespace Detector.Evidence.Watermark;

/// <summary>Result of one <see cref="DwtDctWatermarkDecoder"/> pass over an image.</summary>
/// <param name="Status">Whether the image could be decoded.</param>
/// <param name="ChannelOrder">Which chroma plane was read.</param>
/// <param name="BlockCount">Number of 4×4 blocks of the half-resolution U plane that voted (0 when too small).</param>
/// <param name="Payloads">One result per payload asked for, in the same order; empty when <see cref="DwtDctDecodeStatus.TooSmall"/>.</param>
public sealed record DwtDctDecodeResult(
    DwtDctDecodeStatus Status,
    DwtDctChannelOrder ChannelOrder,
    int BlockCount,
    ImmutableArray<DwtDctPayloadResult> Payloads)
{
    /// <summary>The payload result with the strongest classification (most matching bits among equals), or null when none was decoded.</summary>
    public DwtDctPayloadResult? Strongest
    {
        get
        {
            DwtDctPayloadResult? best = null;
            foreach (DwtDctPayloadResult result in Payloads)
            {
                if (best is null
                    || result.Match > best.Match
                    || (result.Match == best.Match && result.MatchingBits * best.Length > best.MatchingBits * result.Length))
                {
                    best = result;
                }
            }

            return best;
        }
    }
}
