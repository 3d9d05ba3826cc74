using Detector.Evidence.Hashing;

namespace Detector.Evidence.Tests.Hashing;

public sealed class PdqHashTests
{
    /// <summary>
    /// Published hashes of the ThreatExchange <c>pdq/data/bridge-mods</c> images (python-threatexchange,
    /// <c>signal_type/pdq/signal.py</c> examples): one photograph, blurred, sharpened, resized, re-saturated, squared.
    /// The images themselves are binary and not available here, so these check only format and the match rule.
    /// </summary>
    private static readonly string[] BridgeMods =
    [
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
        "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22",
        "f8f8f0cee0f4a84f0637022a038f67f0b36e26d596621e1d33e6b39c4e9c9b22",
        "f8f8f0cee0f4a84f06370a2a068f67f0b36e26d596621e1d33e6339c4e9c9b22",
        "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596221e1d33e6b39c4e9c9b22",
        "f8f8f0cee0f4a84f0e370a22038f67f0b36e2ed596221e1d33e6b39c4a9c9b22",
        "d8f8f0cec0f4a84f8e370a22038f67f0b36a2ed597231e1d72e6b39c4a9c9b22",
        "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596621e1d33e6339c4e9c9b22",
        "d0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22",
        "d8f8f1eec0f4a84f0e37022a078f63f0b36e2ed596621e1d33e6239c4e9c9b22",
        "d8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22",
        "d8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22",
    ];

    /// <summary>Two other published examples (misc-images), unrelated pictures.</summary>
    private static readonly string[] Unrelated =
    [
        "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064",
        "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
    ];

    [Fact]
    public void Parse_PublishedHashes_RoundTripToTheSameText()
    {
        foreach (string hex in BridgeMods.Concat(Unrelated))
        {
            Assert.Equal(hex, PdqHash.Parse(hex, 100).Hex);
        }
    }

    [Fact]
    public void HammingDistance_PublishedBridgeModifications_AllMatchEachOther()
    {
        foreach (string a in BridgeMods)
        {
            foreach (string b in BridgeMods)
            {
                Assert.True(PdqHasher.IsMatch(PdqHash.Parse(a, 100), PdqHash.Parse(b, 100)), $"{a} vs {b}");
            }

            foreach (string other in Unrelated)
            {
                Assert.False(PdqHasher.IsMatch(PdqHash.Parse(a, 100), PdqHash.Parse(other, 100)));
            }
        }
    }

    [Fact]
    public void HammingDistance_ReferenceDecodersDisagreeByAFewBits()
    {
        // bridge-1-original.jpg: the C++ regression output (CImg decoder) against the Python example (PIL decoder).
        PdqHash cpp = PdqHash.Parse("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22", 100);
        PdqHash python = PdqHash.Parse("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", 100);

        Assert.InRange(PdqHasher.HammingDistance(cpp, python), 1, 10);
    }

    [Fact]
    public void GetBit_FollowsWordOrder_WordFifteenFirstInText()
    {
        PdqHash lowest = PdqHash.Parse(new string('0', 63) + "1", 100);
        PdqHash highest = PdqHash.Parse("8" + new string('0', 63), 100);
        PdqHash word1 = PdqHash.Parse(new string('0', 59) + "2" + new string('0', 4), 100);

        Assert.True(lowest.GetBit(0));
        Assert.Equal(1, Enumerable.Range(0, 256).Count(lowest.GetBit));
        Assert.True(highest.GetBit(255));
        Assert.True(word1.GetBit(17));
    }

    [Fact]
    public void Bytes_SpellTheHexInOrder()
    {
        PdqHash hash = PdqHash.Parse("0123456789abcdef" + new string('f', 48), 77);

        Assert.Equal(32, hash.Bytes.Length);
        Assert.Equal(new byte[] { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef }, hash.Bytes.Take(8));
        Assert.Equal(77, hash.Quality);
        Assert.Equal(Convert.ToHexStringLower(hash.Bytes.AsSpan()), hash.Hex);
    }

    public static TheoryData<string?> NotHashes => new()
    {
        null,
        string.Empty,
        "abc",
        "g" + new string('0', 63),
        new string('0', 64) + " ",
        "0x" + new string('0', 62),
        "+" + new string('0', 63),
    };

    [Theory]
    [MemberData(nameof(NotHashes))]
    public void TryParse_NotSixtyFourHexDigits_Fails(string? text)
    {
        Assert.False(PdqHash.TryParse(text, 100, out PdqHash? hash));
        Assert.Null(hash);
    }

    [Theory]
    [InlineData(31, 50, 50, true)]
    [InlineData(32, 50, 50, false)]
    [InlineData(0, 49, 100, false)]
    [InlineData(0, 100, 49, false)]
    public void IsMatch_DistanceAtMost31AndBothQualitiesAtLeast50(int distance, int qualityA, int qualityB, bool expected)
    {
        // The low `distance` bits of the hash set, against the zero hash: words are 4 hex digits, word 15 first.
        char[] hex = new string('0', 64).ToCharArray();
        for (int bit = 0; bit < distance; bit++)
        {
            int word = bit >> 4;
            int digit = 63 - (word * 4) - ((bit & 15) >> 2);
            hex[digit] = "0123456789abcdef"[Convert.ToInt32(hex[digit].ToString(), 16) | (1 << (bit & 3))];
        }

        PdqHash a = PdqHash.Parse(new string(hex), qualityA);
        PdqHash b = PdqHash.Parse(new string('0', 64), qualityB);

        Assert.Equal(distance, PdqHasher.HammingDistance(a, b));
        Assert.Equal(expected, PdqHasher.IsMatch(a, b));
    }

    [Fact]
    public void Zero_IsAllZerosWithQualityZero()
    {
        Assert.Equal(new string('0', 64), PdqHash.Zero.Hex);
        Assert.Equal(0, PdqHash.Zero.Quality);
    }
}
