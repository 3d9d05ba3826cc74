using System.Collections.Immutable;

namespace Detector.Evidence.Watermark;

/// <summary>The decode of one payload's length, compared with that payload.</summary>
/// <param name="Payload">The message looked for.</param>
/// <param name="DecodedBits">The <see cref="DwtDctPayload.Length"/> bits read from the image, first embedded bit first.</param>
/// <param name="MatchingBits">How many decoded bits equal the payload's bits.</param>
/// <param name="Match">The classification of <paramref name="MatchingBits"/> with the payload's thresholds.</param>
/// <param name="DecodedBytes">For a byte message: the decoded bits packed into bytes, most significant bit first; otherwise empty.</param>
/// <param name="TextMatches">For a byte message: whether <paramref name="DecodedBytes"/> equal the payload text exactly; otherwise false.</param>
public sealed record DwtDctPayloadResult(
    DwtDctPayload Payload,
    ImmutableArray<bool> DecodedBits,
    int MatchingBits,
    DwtDctMatch Match,
    ImmutableArray<byte> DecodedBytes,
    bool TextMatches)
{
    /// <summary>Number of bits compared, L.</summary>
    public int Length => Payload.Length;

    /// <summary>The decoded bits as a string of '0' and '1'.</summary>
    public string DecodedBitString => string.Create(DecodedBits.Length, DecodedBits, static (span, bits) =>
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = bits[i] ? '1' : '0';
        }
    });
}
