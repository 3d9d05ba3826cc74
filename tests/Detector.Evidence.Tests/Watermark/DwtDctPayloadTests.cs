using Detector.Evidence.Watermark;

namespace Detector.Evidence.Tests.Watermark;

public sealed class DwtDctPayloadTests
{
    [Fact]
    public void StableDiffusionXl_IsB3EC907BB19EMostSignificantBitFirst()
    {
        const ulong message = 0xB3EC907BB19E;

        Assert.Equal(48, DwtDctPayload.StableDiffusionXl.Length);
        for (int i = 0; i < 48; i++)
        {
            Assert.Equal(((message >> (47 - i)) & 1) == 1, DwtDctPayload.StableDiffusionXl.Bits[i]);
        }
    }

    [Fact]
    public void StableDiffusionV1_IsTheAsciiBytesMostSignificantBitFirst()
    {
        DwtDctPayload payload = DwtDctPayload.StableDiffusionV1;

        Assert.Equal(136, payload.Length);
        Assert.Equal("StableDiffusionV1", payload.Text);

        // 'S' = 0x53 = 0101 0011.
        Assert.Equal(new[] { false, true, false, true, false, false, true, true }, payload.Bits.Take(8));
    }

    [Fact]
    public void StableDiffusionV2_Is32Bits()
    {
        Assert.Equal(32, DwtDctPayload.StableDiffusionV2.Length);
        Assert.Equal("SDV2", DwtDctPayload.StableDiffusionV2.Text);
    }

    [Fact]
    public void Flux_IsTheNominalConstantWithoutItsTwoLeadingZeros()
    {
        Assert.Equal(48, DwtDctPayload.Flux48.Length);
        Assert.Equal(46, DwtDctPayload.Flux.Length);
        Assert.False(DwtDctPayload.Flux48.Bits[0]);
        Assert.False(DwtDctPayload.Flux48.Bits[1]);
        Assert.Equal(DwtDctPayload.Flux48.Bits.Skip(2), DwtDctPayload.Flux.Bits);
    }

    [Fact]
    public void Known_HasUniqueNames()
    {
        Assert.Equal(DwtDctPayload.Known.Length, DwtDctPayload.Known.Select(static p => p.Name).Distinct().Count());
    }

    [Theory]
    [InlineData(0, DwtDctMatch.None)]
    [InlineData(27, DwtDctMatch.None)]
    [InlineData(28, DwtDctMatch.Undetermined)]
    [InlineData(33, DwtDctMatch.Undetermined)]
    [InlineData(34, DwtDctMatch.Likely)]
    [InlineData(35, DwtDctMatch.Likely)]
    [InlineData(36, DwtDctMatch.VeryLikely)]
    [InlineData(48, DwtDctMatch.VeryLikely)]
    public void Classify_FortyEightBits_UsesStabilityThresholds(int matching, DwtDctMatch expected)
    {
        Assert.Equal(expected, DwtDctPayload.StableDiffusionXl.Classify(matching));
        Assert.Equal(expected, DwtDctPayload.Flux48.Classify(matching));
    }

    [Theory]
    [InlineData(136, 75, 85, 89)]
    [InlineData(32, 20, 25, 26)]
    [InlineData(46, 27, 33, 35)]
    [InlineData(48, 28, 34, 36)]
    public void EquivalentThreshold_OtherLengths_MatchTheFortyEightBitChanceOdds(int length, int undetermined, int likely, int veryLikely)
    {
        // Smallest k with P(Binomial(length, ½) ≥ k) ≤ P(Binomial(48, ½) ≥ t48); values checked independently.
        Assert.Equal(undetermined, DwtDctPayload.EquivalentThreshold(length, 28));
        Assert.Equal(likely, DwtDctPayload.EquivalentThreshold(length, 34));
        Assert.Equal(veryLikely, DwtDctPayload.EquivalentThreshold(length, 36));
    }

    [Fact]
    public void Thresholds_KnownPayloads_AreTheEquivalentOnes()
    {
        Assert.Equal((75, 85, 89), (DwtDctPayload.StableDiffusionV1.UndeterminedFrom, DwtDctPayload.StableDiffusionV1.LikelyFrom, DwtDctPayload.StableDiffusionV1.VeryLikelyFrom));
        Assert.Equal((20, 25, 26), (DwtDctPayload.StableDiffusionV2.UndeterminedFrom, DwtDctPayload.StableDiffusionV2.LikelyFrom, DwtDctPayload.StableDiffusionV2.VeryLikelyFrom));
        Assert.Equal((27, 33, 35), (DwtDctPayload.Flux.UndeterminedFrom, DwtDctPayload.Flux.LikelyFrom, DwtDctPayload.Flux.VeryLikelyFrom));
    }

    [Fact]
    public void FromBitString_RejectsOtherCharacters()
    {
        Assert.Throws<ArgumentException>(() => DwtDctPayload.FromBitString("x", "01a"));
        Assert.Throws<ArgumentException>(() => DwtDctPayload.FromText("x", string.Empty));
    }
}
