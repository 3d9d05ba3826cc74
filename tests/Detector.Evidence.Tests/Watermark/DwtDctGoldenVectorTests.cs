using Detector.Evidence.Watermark;

namespace Detector.Evidence.Tests.Watermark;

/// <summary>
/// Bit strings decoded by the reference pipeline (OpenCV 4.6 <c>cvtColor(COLOR_BGR2YUV)</c> and pywt 1.1.1 <c>dwt2</c>,
/// then the <c>maxDct.py</c> vote and mean) from <see cref="WatermarkTestImages.HashNoise"/> 303×262 and
/// <see cref="WatermarkTestImages.HashTiles"/> 517×389, regenerated bit-identically here. "Swapped" passed the RGB
/// array to the library as if it were BGR. Computed once, offline, with Debian's python3-opencv and python3-pywt.
/// </summary>
public sealed class DwtDctGoldenVectorTests
{
    public static TheoryData<string, DwtDctChannelOrder, int, string> Vectors => new()
    {
        { "Noise", DwtDctChannelOrder.Reference, 136, "0001110110001101101111000010101100001010000001001001000111011101000111111010100101110010100010011011110000010110110010111111101001010001" },
        { "Noise", DwtDctChannelOrder.Reference, 32, "00101010100011110001010010011100" },
        { "Noise", DwtDctChannelOrder.Reference, 48, "000001100001100100101010111001111001000110011001" },
        { "Noise", DwtDctChannelOrder.Reference, 46, "1111111111011011101110101110010011100010000100" },
        { "Noise", DwtDctChannelOrder.Swapped, 136, "0011010110011100110111100010011000011100001111111101110010110011010101000101101000110010101010110101110011100011010010101101110111011001" },
        { "Noise", DwtDctChannelOrder.Swapped, 32, "10010110010111100001010001111001" },
        { "Noise", DwtDctChannelOrder.Swapped, 48, "100111000111101101010100000011011001010011111110" },
        { "Noise", DwtDctChannelOrder.Swapped, 46, "0101110001101100100011011001011110011110110111" },
        { "Tiles", DwtDctChannelOrder.Reference, 136, "1101000000010001001000001011000111000110011010010011000101100011100100000101010000001001111101001010101100000001100100111101111110110010" },
        { "Tiles", DwtDctChannelOrder.Reference, 32, "10110000001110010000000110011000" },
        { "Tiles", DwtDctChannelOrder.Reference, 48, "000000001001100000010000100111111011010111011001" },
        { "Tiles", DwtDctChannelOrder.Reference, 46, "0100011111110010000100010000010001000010000000" },
        { "Tiles", DwtDctChannelOrder.Swapped, 136, "1000000110110100000000000110001000100101010110110011001110000011110000011001000011101001010001100111111101010111110100001011100111000101" },
        { "Tiles", DwtDctChannelOrder.Swapped, 32, "11100011000001010111101101100001" },
        { "Tiles", DwtDctChannelOrder.Swapped, 48, "111100110000000111100011100000010110100101010001" },
        { "Tiles", DwtDctChannelOrder.Swapped, 46, "0001000110001111010001100001000110000101111100" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void DecodeBits_ReferencePipelineVectors_MatchBitForBit(string image, DwtDctChannelOrder order, int length, string expected)
    {
        (byte[] rgb, int width, int height) = image == "Noise"
            ? (WatermarkTestImages.HashNoise(303, 262), 303, 262)
            : (WatermarkTestImages.HashTiles(517, 389), 517, 389);

        var bits = DwtDctWatermarkDecoder.DecodeBits(rgb, width, height, length, order);

        Assert.Equal(expected, string.Concat(bits.Select(static b => b ? '1' : '0')));
    }

    [Fact]
    public void Decode_FlatUOf117_VotesOneLikePywt()
    {
        // RGB (0, 40, 0) has U = 117, so every cA is 2·117 = 234 = 6·36 + 18 exactly: (a+b+c+d)/2 votes 0,
        // but pywt's h·(h·u + h·u) + … gives 234.00000000000003 and votes 1. The reference decodes all ones.
        byte[] rgb = RgbImages.Solid(256, 256, 0, 40, 0);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, 256, 256);

        Assert.Equal(DwtDctDecodeStatus.Decoded, result.Status);
        Assert.All(result.Payloads, static p => Assert.All(p.DecodedBits, Assert.True));
        DwtDctPayloadResult sdxl = result.Payloads.Single(static p => p.Payload == DwtDctPayload.StableDiffusionXl);
        Assert.Equal(27, sdxl.MatchingBits); // the ones of 0xB3EC907BB19E
        Assert.Equal(DwtDctMatch.None, sdxl.Match);
    }

    [Fact]
    public void Decode_FlatGrey_VotesZero()
    {
        // Grey has U = 128, cA = 256, 256 mod 36 = 4: every vote 0.
        byte[] rgb = RgbImages.Solid(300, 300, 90, 90, 90);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, 300, 300);

        Assert.All(result.Payloads, static p => Assert.All(p.DecodedBits, Assert.False));
        Assert.Equal(DwtDctMatch.None, result.Payloads.Single(static p => p.Payload == DwtDctPayload.StableDiffusionXl).Match);
    }
}
