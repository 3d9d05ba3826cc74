using Detector.Evidence.Watermark;
using Xunit.Abstractions;

namespace Detector.Evidence.Tests.Watermark;

public sealed class DwtDctWatermarkDecoderTests
{
    private const int Size = 512;

    private readonly ITestOutputHelper _output;

    public DwtDctWatermarkDecoderTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string> PayloadNames => new() { "StableDiffusionV1", "SDV2", "SDXL", "FLUX", "FLUX-48" };

    [Theory]
    [MemberData(nameof(PayloadNames))]
    public void Decode_PayloadEmbedded_RoundTripsWithEveryBitMatching(string name)
    {
        DwtDctPayload payload = Payload(name);
        byte[] marked = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(Size, Size), Size, Size, payload.Bits);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(marked, Size, Size);

        Assert.Equal(DwtDctDecodeStatus.Decoded, result.Status);
        Assert.Equal(Size / 2 / 4 * (Size / 2 / 4), result.BlockCount);
        DwtDctPayloadResult decoded = result.Payloads.Single(p => p.Payload == payload);
        Assert.Equal(payload.Length, decoded.Length);
        Assert.Equal(payload.Length, decoded.MatchingBits);
        Assert.Equal(payload.Bits.AsEnumerable(), decoded.DecodedBits.AsEnumerable());
        Assert.Equal(DwtDctMatch.VeryLikely, decoded.Match);
        if (payload.Text is not null)
        {
            Assert.True(decoded.TextMatches);
            Assert.Equal(payload.Text, System.Text.Encoding.ASCII.GetString(decoded.DecodedBytes.AsSpan()));
        }
        else
        {
            Assert.Empty(decoded.DecodedBytes);
        }

        Assert.Same(decoded, result.Strongest);
    }

    [Fact]
    public void Decode_LowTextureCarrier_LosesSomeBitsButStaysVeryLikely()
    {
        // Measured here and, on the same pixels, with the reference embedder (OpenCV + pywt): SDXL 46/48 and
        // StableDiffusionV1 120/136 from the reference, 45/48 and 120/136 from the test encoder.
        byte[] carrier = WatermarkTestImages.Textured(Size, Size, noise: 12);
        byte[] sdxlMarked = DwtDctTestEncoder.Embed(carrier, Size, Size, DwtDctPayload.StableDiffusionXl.Bits);
        byte[] sd1Marked = DwtDctTestEncoder.Embed(carrier, Size, Size, DwtDctPayload.StableDiffusionV1.Bits);

        DwtDctPayloadResult sdxl = Sdxl(DwtDctWatermarkDecoder.Decode(sdxlMarked, Size, Size));
        DwtDctPayloadResult sd1 = DwtDctWatermarkDecoder.Decode(sd1Marked, Size, Size)
            .Payloads.Single(static p => p.Payload == DwtDctPayload.StableDiffusionV1);

        _output.WriteLine($"SDXL {sdxl.MatchingBits}/48, SD1 {sd1.MatchingBits}/136");
        Assert.InRange(sdxl.MatchingBits, 40, 47);
        Assert.Equal(DwtDctMatch.VeryLikely, sdxl.Match);
        Assert.InRange(sd1.MatchingBits, 110, 135);
        Assert.Equal(DwtDctMatch.VeryLikely, sd1.Match);
        Assert.False(sd1.TextMatches);
    }

    [Fact]
    public void Decode_SdxlMarked_OtherPayloadsStayBelowLikely()
    {
        byte[] marked = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(Size, Size), Size, Size, DwtDctPayload.StableDiffusionXl.Bits);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(marked, Size, Size);

        foreach (DwtDctPayloadResult other in result.Payloads.Where(static p => p.Payload != DwtDctPayload.StableDiffusionXl))
        {
            _output.WriteLine($"{other.Payload}: {other.MatchingBits}/{other.Length} {other.Match}");
            Assert.True(other.Match <= DwtDctMatch.Undetermined, $"{other.Payload} {other.MatchingBits}");
            Assert.False(other.TextMatches);
        }
    }

    [Fact]
    public void Decode_EmbeddedWithSwappedChannels_FoundOnlyInSwappedOrder()
    {
        byte[] marked = DwtDctTestEncoder.Embed(
            WatermarkTestImages.Textured(Size, Size), Size, Size, DwtDctPayload.StableDiffusionXl.Bits, DwtDctChannelOrder.Swapped);

        DwtDctPayloadResult reference = Sdxl(DwtDctWatermarkDecoder.Decode(marked, Size, Size));
        DwtDctPayloadResult swapped = Sdxl(DwtDctWatermarkDecoder.Decode(marked, Size, Size, DwtDctChannelOrder.Swapped));

        _output.WriteLine($"reference order: {reference.MatchingBits}/48, swapped order: {swapped.MatchingBits}/48");
        Assert.Equal(48, swapped.MatchingBits);
        Assert.True(reference.Match <= DwtDctMatch.Undetermined);
    }

    [Theory]
    [InlineData(515, 517)]
    [InlineData(1027, 258)]
    [InlineData(258, 1030)]
    public void Decode_SizeNotMultipleOfFour_RoundTripsAndIgnoresCroppedEdge(int width, int height)
    {
        DwtDctPayload payload = DwtDctPayload.StableDiffusionXl;
        byte[] marked = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(width, height, seed: 3), width, height, payload.Bits);
        DwtDctDecodeResult first = DwtDctWatermarkDecoder.Decode(marked, width, height);

        // Scribble over the rows and columns beyond the multiples of 4: the reference never reads them.
        var random = new Random(11);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (y >= height / 4 * 4 || x >= width / 4 * 4)
                {
                    int p = ((y * width) + x) * 3;
                    marked[p] = (byte)random.Next(256);
                    marked[p + 1] = (byte)random.Next(256);
                    marked[p + 2] = (byte)random.Next(256);
                }
            }
        }

        DwtDctDecodeResult second = DwtDctWatermarkDecoder.Decode(marked, width, height);

        DwtDctPayloadResult decoded = first.Payloads.Single(p => p.Payload == payload);
        Assert.Equal(payload.Length, decoded.MatchingBits);
        Assert.Equal(height / 4 * 4 / 8 * (width / 4 * 4 / 8), first.BlockCount);
        for (int k = 0; k < first.Payloads.Length; k++)
        {
            Assert.Equal(first.Payloads[k].DecodedBitString, second.Payloads[k].DecodedBitString);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Decode_RandomNoise_NoPayloadLikely(int seed)
    {
        byte[] rgb = RgbImages.Noise(Size, Size, seed);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, Size, Size);

        foreach (DwtDctPayloadResult payload in result.Payloads)
        {
            _output.WriteLine($"seed {seed} {payload.Payload}: {payload.MatchingBits}/{payload.Length} {payload.Match}");
            Assert.True(payload.Match <= DwtDctMatch.Undetermined);
            Assert.False(payload.TextMatches);
        }
    }

    [Fact]
    public void Decode_RandomNoise_SdxlIsNone()
    {
        byte[] rgb = RgbImages.Noise(Size, Size, seed: 1);

        DwtDctPayloadResult sdxl = Sdxl(DwtDctWatermarkDecoder.Decode(rgb, Size, Size));

        Assert.Equal(DwtDctMatch.None, sdxl.Match);
    }

    [Fact]
    public void Decode_SmoothGradient_EveryPayloadNone()
    {
        byte[] rgb = WatermarkTestImages.Gradient(Size, Size);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, Size, Size);

        foreach (DwtDctPayloadResult payload in result.Payloads)
        {
            _output.WriteLine($"{payload.Payload}: {payload.MatchingBits}/{payload.Length} {payload.Match}");
            Assert.Equal(DwtDctMatch.None, payload.Match);
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(255, 256)]
    [InlineData(256, 255)]
    [InlineData(65536, 1)]
    [InlineData(16384, 4)]
    [InlineData(7, 10000)]
    public void Decode_TooSmall_ReportsTooSmallWithoutPayloads(int width, int height)
    {
        byte[] rgb = new byte[width * height * 3];

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, width, height);

        Assert.Equal(DwtDctDecodeStatus.TooSmall, result.Status);
        Assert.Equal(0, result.BlockCount);
        Assert.Empty(result.Payloads);
        Assert.Null(result.Strongest);
        Assert.Empty(DwtDctWatermarkDecoder.DecodeBits(rgb, width, height, 48));
    }

    [Theory]
    [InlineData(256, 256, 1024)]
    [InlineData(8192, 8, 1024)]
    [InlineData(8, 8192, 1024)]
    public void Decode_SmallestAccepted_Decodes(int width, int height, int blocks)
    {
        byte[] rgb = RgbImages.Noise(width, height, seed: 9);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, width, height);

        Assert.Equal(DwtDctDecodeStatus.Decoded, result.Status);
        Assert.Equal(blocks, result.BlockCount);
        Assert.Equal(DwtDctPayload.Known.Length, result.Payloads.Length);
    }

    [Fact]
    public void Decode_ShortBuffer_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => DwtDctWatermarkDecoder.Decode(new byte[(256 * 256 * 3) - 1], 256, 256));
    }

    [Fact]
    public void Decode_NegativeDimension_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DwtDctWatermarkDecoder.Decode(new byte[16], -1, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => DwtDctWatermarkDecoder.DecodeBits(new byte[16], 1, 1, 0));
    }

    [Fact]
    public void Decode_LongerBuffer_ReadsOnlyTheImage()
    {
        byte[] rgb = RgbImages.Noise(300, 300, seed: 4);
        byte[] padded = [.. rgb, .. new byte[1000]];

        Assert.Equal(
            DwtDctWatermarkDecoder.Decode(rgb, 300, 300).Payloads.Select(static p => p.DecodedBitString),
            DwtDctWatermarkDecoder.Decode(padded, 300, 300).Payloads.Select(static p => p.DecodedBitString));
    }

    [Fact]
    public void DecodeBits_AgreesWithDecodeForEveryLength()
    {
        byte[] rgb = RgbImages.Noise(400, 333, seed: 8);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(rgb, 400, 333);

        foreach (DwtDctPayloadResult payload in result.Payloads)
        {
            Assert.Equal(payload.DecodedBits.AsEnumerable(), DwtDctWatermarkDecoder.DecodeBits(rgb, 400, 333, payload.Length).AsEnumerable());
        }
    }

    [Fact]
    public void Decode_CustomPayload_SharesDecodeWithSameLength()
    {
        DwtDctPayload custom = DwtDctPayload.FromText("custom", "hello!");
        byte[] marked = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(Size, Size), Size, Size, custom.Bits);

        DwtDctDecodeResult result = DwtDctWatermarkDecoder.Decode(marked, Size, Size, [custom, DwtDctPayload.StableDiffusionXl, DwtDctPayload.Flux48]);

        Assert.Equal(3, result.Payloads.Length);
        Assert.True(result.Payloads[0].TextMatches);
        Assert.Equal(result.Payloads[0].DecodedBitString, result.Payloads[1].DecodedBitString);
        Assert.Equal(result.Payloads[1].DecodedBitString, result.Payloads[2].DecodedBitString);
    }

    [Fact]
    public void Decode_JpegQuality50_DegradesToNoneOrUndetermined()
    {
        byte[] marked = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(Size, Size), Size, Size, DwtDctPayload.StableDiffusionXl.Bits);
        byte[] jpeg = RgbImages.JpegRoundTrip(marked, Size, Size, 50);

        DwtDctPayloadResult sdxl = Sdxl(DwtDctWatermarkDecoder.Decode(jpeg, Size, Size));

        _output.WriteLine($"JPEG q50: {sdxl.MatchingBits}/48 {sdxl.Match}");
        Assert.True(sdxl.Match <= DwtDctMatch.Undetermined);
    }

    [Fact]
    public void Decode_Degradations_Measured()
    {
        byte[] marked = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(Size, Size), Size, Size, DwtDctPayload.StableDiffusionXl.Bits);
        byte[] sd1 = DwtDctTestEncoder.Embed(WatermarkTestImages.Textured(Size, Size), Size, Size, DwtDctPayload.StableDiffusionV1.Bits);

        foreach (int quality in new[] { 50, 75, 90, 95, 100 })
        {
            DwtDctPayloadResult sdxl = Sdxl(DwtDctWatermarkDecoder.Decode(RgbImages.JpegRoundTrip(marked, Size, Size, quality), Size, Size));
            DwtDctPayloadResult v1 = DwtDctWatermarkDecoder.Decode(RgbImages.JpegRoundTrip(sd1, Size, Size, quality), Size, Size)
                .Payloads.Single(static p => p.Payload == DwtDctPayload.StableDiffusionV1);
            _output.WriteLine($"JPEG q{quality}: SDXL {sdxl.MatchingBits}/48 {sdxl.Match}; SD1 {v1.MatchingBits}/136 {v1.Match} text={v1.TextMatches}");
            Assert.InRange(sdxl.MatchingBits, 0, 48);
        }

        foreach (int crop in new[] { 1, 4, 8 })
        {
            int width = Size - crop;
            DwtDctPayloadResult cropped = Sdxl(DwtDctWatermarkDecoder.Decode(WatermarkTestImages.CropLeft(marked, Size, Size, crop), width, Size));
            _output.WriteLine($"crop {crop} px from the left: SDXL {cropped.MatchingBits}/48 {cropped.Match}");
            Assert.True(cropped.Match <= DwtDctMatch.Undetermined);
        }

        DwtDctPayloadResult halved = Sdxl(DwtDctWatermarkDecoder.Decode(RgbImages.Resize(marked, Size, Size, Size / 2, Size / 2), Size / 2, Size / 2));
        _output.WriteLine($"resize 0.5: SDXL {halved.MatchingBits}/48 {halved.Match}");
        Assert.True(halved.Match <= DwtDctMatch.Undetermined);
    }

    private static DwtDctPayload Payload(string name) => DwtDctPayload.Known.Single(p => p.Name == name);

    private static DwtDctPayloadResult Sdxl(DwtDctDecodeResult result) =>
        result.Payloads.Single(static p => p.Payload == DwtDctPayload.StableDiffusionXl);
}
