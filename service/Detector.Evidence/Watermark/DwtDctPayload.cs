using System.Collections.Immutable;
using System.Numerics;
using System.Text;

namespace Detector.Evidence.Watermark;

/// <summary>
/// A fixed message that some generator embeds with <c>invisible-watermark</c>'s <c>dwtDct</c> method,
/// with the match thresholds used to classify a decode against it.
/// </summary>
/// <remarks>
/// Thresholds: for a 48-bit message they are Stability's (<c>scripts/demo/detect.py</c>, measured on
/// 10,000 unmarked images): at most 27 matching bits none, 28–33 undetermined, 34–35 likely, 36 or more
/// very likely. For other lengths there is no published calibration, so each threshold is the smallest
/// count whose chance probability (each bit a fair coin) is no larger than that of the 48-bit threshold:
/// the same false-alarm odds for an unmarked image whose bits behave like coins. Real unmarked images
/// are not coins (flat areas decode to runs of equal bits), which is why a byte message also reports an
/// exact comparison of the decoded bytes with its text.
/// </remarks>
public sealed class DwtDctPayload
{
    /// <summary>Stability's 48-bit thresholds: the lowest counts for undetermined, likely and very likely.</summary>
    private const int Reference48Undetermined = 28;
    private const int Reference48Likely = 34;
    private const int Reference48VeryLikely = 36;
    private const int ReferenceLength = 48;

    private DwtDctPayload(string name, ImmutableArray<bool> bits, string? text)
    {
        Name = name;
        Bits = bits;
        Text = text;
        UndeterminedFrom = EquivalentThreshold(bits.Length, Reference48Undetermined);
        LikelyFrom = EquivalentThreshold(bits.Length, Reference48Likely);
        VeryLikelyFrom = EquivalentThreshold(bits.Length, Reference48VeryLikely);
    }

    /// <summary>SD 1.x reference scripts: the 17 bytes of <c>StableDiffusionV1</c>, 136 bits, most significant bit first.</summary>
    public static DwtDctPayload StableDiffusionV1 { get; } = FromText("StableDiffusionV1", "StableDiffusionV1");

    /// <summary>SD 2.x reference scripts: the 4 bytes of <c>SDV2</c>, 32 bits.</summary>
    public static DwtDctPayload StableDiffusionV2 { get; } = FromText("SDV2", "SDV2");

    /// <summary>SDXL (Stability scripts; diffusers' SDXL pipelines when the package is installed): 48 bits <c>0xB3EC907BB19E</c>.</summary>
    public static DwtDctPayload StableDiffusionXl { get; } = FromBitString("SDXL", "101100111110110010010000011110111011000110011110");

    /// <summary>
    /// The other circulating constant <c>0b001010101111111010000111100111001111010100101110</c> as it is embedded
    /// in practice: Python's <c>bin()</c> drops its two leading zeros, leaving 46 bits (seen in Black Forest Labs'
    /// FLUX reference code).
    /// </summary>
    public static DwtDctPayload Flux { get; } = FromBitString("FLUX", "1010101111111010000111100111001111010100101110");

    /// <summary>The same constant written at its nominal 48 bits, leading zeros kept.</summary>
    public static DwtDctPayload Flux48 { get; } = FromBitString("FLUX-48", "001010101111111010000111100111001111010100101110");

    /// <summary>Every payload above, in a fixed order.</summary>
    public static ImmutableArray<DwtDctPayload> Known { get; } =
        [StableDiffusionV1, StableDiffusionV2, StableDiffusionXl, Flux, Flux48];

    /// <summary>Short stable name, for reports.</summary>
    public string Name { get; }

    /// <summary>The embedded bits in embedding order (bit n of the message is carried by blocks n, n+L, n+2L…).</summary>
    public ImmutableArray<bool> Bits { get; }

    /// <summary>Number of bits, L.</summary>
    public int Length => Bits.Length;

    /// <summary>The ASCII text for a byte message (its bits are the bytes, most significant bit first); null for a bit message.</summary>
    public string? Text { get; }

    /// <summary>Lowest number of matching bits classified <see cref="DwtDctMatch.Undetermined"/>.</summary>
    public int UndeterminedFrom { get; }

    /// <summary>Lowest number of matching bits classified <see cref="DwtDctMatch.Likely"/>.</summary>
    public int LikelyFrom { get; }

    /// <summary>Lowest number of matching bits classified <see cref="DwtDctMatch.VeryLikely"/>.</summary>
    public int VeryLikelyFrom { get; }

    /// <summary>A byte message: the ASCII bytes of <paramref name="text"/>, most significant bit first.</summary>
    public static DwtDctPayload FromText(string name, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(text);
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        var bits = ImmutableArray.CreateBuilder<bool>(bytes.Length * 8);
        foreach (byte b in bytes)
        {
            for (int k = 7; k >= 0; k--)
            {
                bits.Add(((b >> k) & 1) != 0);
            }
        }

        return new DwtDctPayload(name, bits.MoveToImmutable(), text);
    }

    /// <summary>A bit message written as a string of '0' and '1', first embedded bit first.</summary>
    public static DwtDctPayload FromBitString(string name, string bits)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(bits);
        var builder = ImmutableArray.CreateBuilder<bool>(bits.Length);
        foreach (char c in bits)
        {
            builder.Add(c switch
            {
                '0' => false,
                '1' => true,
                _ => throw new ArgumentException("Only '0' and '1' are allowed.", nameof(bits)),
            });
        }

        return new DwtDctPayload(name, builder.MoveToImmutable(), null);
    }

    /// <summary>Classifies a number of matching bits with this payload's thresholds.</summary>
    public DwtDctMatch Classify(int matchingBits)
    {
        if (matchingBits >= VeryLikelyFrom)
        {
            return DwtDctMatch.VeryLikely;
        }

        if (matchingBits >= LikelyFrom)
        {
            return DwtDctMatch.Likely;
        }

        return matchingBits >= UndeterminedFrom ? DwtDctMatch.Undetermined : DwtDctMatch.None;
    }

    public override string ToString() => $"{Name} ({Length} bits)";

    /// <summary>
    /// Smallest k with P(Binomial(length, 1/2) ≥ k) ≤ P(Binomial(48, 1/2) ≥ threshold48), compared exactly:
    /// tail(length, k)·2^48 ≤ tail(48, threshold48)·2^length. For length 48 it returns threshold48 itself.
    /// </summary>
    internal static int EquivalentThreshold(int length, int threshold48)
    {
        BigInteger referenceTail = UpperTailCount(ReferenceLength, threshold48) << length;
        BigInteger tail = BigInteger.Zero;
        BigInteger binomial = BigInteger.One; // C(length, length)
        for (int k = length; k >= 0; k--)
        {
            // tail holds the count for P(X ≥ k + 1); try adding C(length, k).
            BigInteger next = tail + binomial;
            if ((next << ReferenceLength) > referenceTail)
            {
                return k + 1;
            }

            tail = next;
            if (k > 0)
            {
                binomial = binomial * k / (length - k + 1); // C(length, k-1)
            }
        }

        return 0;
    }

    private static BigInteger UpperTailCount(int length, int threshold)
    {
        BigInteger tail = BigInteger.Zero;
        BigInteger binomial = BigInteger.One;
        for (int k = length; k >= threshold && k >= 0; k--)
        {
            tail += binomial;
            if (k > 0)
            {
                binomial = binomial * k / (length - k + 1);
            }
        }

        return tail;
    }
}
