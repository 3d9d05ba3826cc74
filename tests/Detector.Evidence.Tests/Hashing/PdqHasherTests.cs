using Detector.Evidence.Hashing;
using Xunit.Abstractions;

namespace Detector.Evidence.Tests.Hashing;

public sealed class PdqHasherTests
{
    private static readonly PdqHasher Hasher = new();

    private readonly ITestOutputHelper _output;

    public PdqHasherTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>Sizes covering the 64×64 shortcut, window 1, odd windows and even windows (2, 4, 8) along each axis.</summary>
    public static TheoryData<int, int> Sizes => new()
    {
        { 64, 64 },
        { 5, 5 },
        { 65, 70 },
        { 63, 64 },
        { 129, 131 },
        { 300, 200 },
        { 450, 97 },
        { 1000, 257 },
        { 257, 1000 },
        { 40, 900 },
    };

    [Fact]
    public void Compute_SamePixels_SameHash()
    {
        byte[] rgb = PdqTestImages.Scene(320, 240);

        PdqHash first = Hasher.Compute(rgb, 320, 240);
        PdqHash second = Hasher.Compute(rgb.ToArray(), 320, 240);

        Assert.Equal(first.Hex, second.Hex);
        Assert.Equal(first.Quality, second.Quality);
        Assert.Equal(0, PdqHasher.HammingDistance(first, second));
        Assert.True(PdqHasher.IsMatch(first, second));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(4, 100)]
    [InlineData(100, 4)]
    [InlineData(4, 4)]
    public void Compute_SideBelowFive_ZeroHashQualityZero(int width, int height)
    {
        PdqHash hash = Hasher.Compute(RgbImages.Noise(width, height, seed: 1), width, height);

        Assert.Equal(new string('0', 64), hash.Hex);
        Assert.Equal(0, hash.Quality);
        Assert.False(hash.IsMatchable);
    }

    [Fact]
    public void Compute_ShortBuffer_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Hasher.Compute(new byte[(10 * 10 * 3) - 1], 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hasher.Compute(new byte[30], -1, 10));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ComputeCore_MatchesStraightforwardFloatModel_BitForBit(int width, int height)
    {
        foreach (byte[] rgb in new[] { PdqTestImages.Scene(width, height, seed: width), RgbImages.Noise(width, height, seed: height) })
        {
            var image64 = new float[64 * 64];
            var dct16 = new float[256];
            int quality = PdqHasher.ComputeCore(rgb, width, height, image64, dct16);

            (float[] modelImage, float[] modelDct, int modelQuality) = PdqOracles.FloatModel(rgb, width, height);

            Assert.Equal(modelImage, image64);
            Assert.Equal(modelDct, dct16);
            Assert.Equal(modelQuality, quality);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Compute_AgreesWithDoublePrecisionOracle_ExceptAtTheMedian(int width, int height)
    {
        foreach (byte[] rgb in new[] { PdqTestImages.Scene(width, height, seed: height), RgbImages.Noise(width, height, seed: width) })
        {
            var image64 = new float[64 * 64];
            var dct16 = new float[256];
            int quality = PdqHasher.ComputeCore(rgb, width, height, image64, dct16);
            PdqHash hash = Hasher.Compute(rgb, width, height);
            (double[] oracleImage, double[] oracleDct, int oracleQuality) = PdqOracles.DoubleOracle(rgb, width, height);

            double worstPixel = 0;
            for (int i = 0; i < image64.Length; i++)
            {
                worstPixel = Math.Max(worstPixel, Math.Abs(image64[i] - oracleImage[i]));
            }

            double median = PdqOracles.Median(oracleDct);
            int nearMedian = 0;
            int disagreements = 0;
            for (int k = 0; k < 256; k++)
            {
                bool oracleBit = oracleDct[k] > median;
                if (oracleBit != hash.GetBit(k))
                {
                    disagreements++;
                }

                // Float and double may order two coefficients differently only when both sit at the median.
                if (Math.Abs(oracleDct[k] - median) <= 0.01)
                {
                    nearMedian++;
                }
                else
                {
                    Assert.True(oracleBit == hash.GetBit(k), $"bit {k}: oracle {oracleDct[k]} median {median}, float {dct16[k]}");
                }
            }

            _output.WriteLine($"{width}x{height}: max |Δpixel| {worstPixel:G3}, quality {quality} vs {oracleQuality}, within 0.01 of the median {nearMedian}, differing bits {disagreements}");
            Assert.True(worstPixel < 0.01, $"downsample differs by {worstPixel}");
            Assert.InRange(quality - oracleQuality, -1, 1);
            Assert.InRange(disagreements, 0, 2);
        }
    }

    [Fact]
    public void Compute_FlippedOrRotated_DiffersGreatly()
    {
        const int width = 400;
        const int height = 300;
        byte[] rgb = PdqTestImages.Scene(width, height, seed: 5);
        PdqHash original = Hasher.Compute(rgb, width, height);

        int flipped = PdqHasher.HammingDistance(original, Hasher.Compute(PdqTestImages.FlipHorizontal(rgb, width, height), width, height));
        int rotated = PdqHasher.HammingDistance(original, Hasher.Compute(PdqTestImages.Rotate90(rgb, width, height), height, width));

        _output.WriteLine($"flip: {flipped} bits, rotate 90: {rotated} bits");
        Assert.True(flipped > 64, $"flip {flipped}");
        Assert.True(rotated > 64, $"rotate {rotated}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compute_MildJpegReencode_StaysWithinTenBits(int seed)
    {
        const int width = 640;
        const int height = 480;
        byte[] rgb = PdqTestImages.Scene(width, height, seed);
        PdqHash original = Hasher.Compute(rgb, width, height);

        PdqHash reencoded = Hasher.Compute(RgbImages.JpegRoundTrip(rgb, width, height, 90), width, height);

        int distance = PdqHasher.HammingDistance(original, reencoded);
        _output.WriteLine($"seed {seed}: JPEG q90 distance {distance}, quality {original.Quality} → {reencoded.Quality}");
        Assert.InRange(distance, 0, 10);
        Assert.True(PdqHasher.IsMatch(original, reencoded));
    }

    [Fact]
    public void Compute_Degradations_Measured()
    {
        const int width = 640;
        const int height = 480;
        byte[] rgb = PdqTestImages.Scene(width, height, seed: 4);
        PdqHash original = Hasher.Compute(rgb, width, height);

        foreach (int quality in new[] { 95, 75, 50, 20 })
        {
            int distance = PdqHasher.HammingDistance(original, Hasher.Compute(RgbImages.JpegRoundTrip(rgb, width, height, quality), width, height));
            _output.WriteLine($"JPEG q{quality}: {distance} bits");
            Assert.InRange(distance, 0, PdqHasher.MatchDistanceThreshold);
        }

        int halved = PdqHasher.HammingDistance(original, Hasher.Compute(RgbImages.Resize(rgb, width, height, width / 2, height / 2), width / 2, height / 2));
        _output.WriteLine($"resize 0.5: {halved} bits");
        Assert.InRange(halved, 0, PdqHasher.MatchDistanceThreshold);

        PdqHash other = Hasher.Compute(PdqTestImages.Scene(width, height, seed: 99), width, height);
        int unrelated = PdqHasher.HammingDistance(original, other);
        _output.WriteLine($"unrelated scene: {unrelated} bits");
        Assert.True(unrelated > PdqHasher.MatchDistanceThreshold);
        Assert.False(PdqHasher.IsMatch(original, other));
    }

    [Fact]
    public void Compute_FlatImage_QualityZero()
    {
        PdqHash hash = Hasher.Compute(RgbImages.Solid(200, 150, 30, 120, 200), 200, 150);

        Assert.Equal(0, hash.Quality);
        Assert.False(hash.IsMatchable);
    }

    [Fact]
    public void Compute_Scene_QualityHighEnoughToMatch()
    {
        PdqHash hash = Hasher.Compute(PdqTestImages.Scene(400, 300), 400, 300);

        _output.WriteLine($"scene quality {hash.Quality}");
        Assert.True(hash.IsMatchable);
    }

    [Fact]
    public void IsMatch_LowQuality_NeverMatches()
    {
        PdqHash flat = Hasher.Compute(RgbImages.Solid(100, 100, 9, 9, 9), 100, 100);

        Assert.Equal(0, PdqHasher.HammingDistance(flat, flat));
        Assert.False(PdqHasher.IsMatch(flat, flat));
    }

    [Fact]
    public void IsMatch_DistanceRule_ThirtyOneMatchesThirtyTwoDoesNot()
    {
        PdqHash zero = PdqHash.Parse(new string('0', 64), 100);
        PdqHash bits31 = PdqHash.Parse("7fffffff" + new string('0', 56), 100);
        PdqHash bits32 = PdqHash.Parse("ffffffff" + new string('0', 56), 100);

        Assert.Equal(31, PdqHasher.HammingDistance(zero, bits31));
        Assert.Equal(32, PdqHasher.HammingDistance(zero, bits32));
        Assert.True(PdqHasher.IsMatch(zero, bits31));
        Assert.False(PdqHasher.IsMatch(zero, bits32));
        Assert.False(PdqHasher.IsMatch(zero, PdqHash.Parse(new string('0', 64), 49)));
    }
}
