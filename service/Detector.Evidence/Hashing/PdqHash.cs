using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace Detector.Evidence.Hashing;

/// <summary>
/// A 256-bit PDQ hash and its quality. Bit <c>i*16 + j</c> (coefficient row i, column j) is bit j of 16-bit word i;
/// the text form is the 16 words as 4 lowercase hex digits each, word 15 first (Meta's format).
/// </summary>
public sealed class PdqHash
{
    /// <summary>Number of 16-bit words.</summary>
    public const int WordCount = 16;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private readonly ushort[] _words;

    private PdqHash(ushort[] words, int quality)
    {
        _words = words;
        Quality = quality;
        Hex = string.Create(64, words, static (span, w) =>
        {
            for (int i = 0; i < WordCount; i++)
            {
                w[WordCount - 1 - i].TryFormat(span.Slice(i * 4, 4), out _, "x4", CultureInfo.InvariantCulture);
            }
        });
    }

    /// <summary>The all-zero hash with quality 0, returned for images with a side under 5 pixels.</summary>
    public static PdqHash Zero { get; } = new(new ushort[WordCount], 0);

    /// <summary>64 lowercase hex characters, word 15 first.</summary>
    public string Hex { get; }

    /// <summary>The 32 bytes the hex spells, in the same order (big-endian words, word 15 first).</summary>
    public ImmutableArray<byte> Bytes
    {
        get
        {
            var bytes = new byte[WordCount * 2];
            for (int i = 0; i < WordCount; i++)
            {
                ushort word = _words[WordCount - 1 - i];
                bytes[i * 2] = (byte)(word >> 8);
                bytes[(i * 2) + 1] = (byte)word;
            }

            return ImmutableArray.Create(bytes);
        }
    }

    /// <summary>0–100: how much significant gradient the 64×64 downsample has. Below 50, do not match on it.</summary>
    public int Quality { get; }

    /// <summary>Whether the quality is high enough to match on (≥ <see cref="PdqHasher.MinimumQuality"/>).</summary>
    public bool IsMatchable => Quality >= PdqHasher.MinimumQuality;

    /// <summary>Bit <paramref name="index"/> (0–255), as Meta's <c>getBit</c>.</summary>
    public bool GetBit(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 255);
        return ((_words[index >> 4] >> (index & 15)) & 1) != 0;
    }

    /// <summary>Parses Meta's 64-hex-digit form (e.g. a published hash), with the quality reported alongside it.</summary>
    /// <exception cref="FormatException">Not exactly 64 hex digits.</exception>
    public static PdqHash Parse(string hex, int quality)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, quality, out PdqHash? hash))
        {
            throw new FormatException("A PDQ hash is 64 hexadecimal digits.");
        }

        return hash;
    }

    /// <summary>Parses Meta's 64-hex-digit form; false when it is not exactly 64 hex digits.</summary>
    public static bool TryParse(string? hex, int quality, [NotNullWhen(true)] out PdqHash? hash)
    {
        hash = null;
        if (hex is null || hex.Length != 64 || hex.AsSpan().ContainsAnyExcept(HexDigits))
        {
            return false;
        }

        var words = new ushort[WordCount];
        for (int i = 0; i < WordCount; i++)
        {
            if (!ushort.TryParse(hex.AsSpan(i * 4, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort word))
            {
                return false;
            }

            words[WordCount - 1 - i] = word;
        }

        hash = new PdqHash(words, quality);
        return true;
    }

    public override string ToString() => $"{Hex} (quality {Quality})";

    internal static PdqHash FromWords(ushort[] words, int quality) => new(words, quality);

    internal int DistanceTo(PdqHash other)
    {
        int distance = 0;
        for (int i = 0; i < WordCount; i++)
        {
            distance += BitOperations.PopCount((uint)(_words[i] ^ other._words[i]));
        }

        return distance;
    }
}
