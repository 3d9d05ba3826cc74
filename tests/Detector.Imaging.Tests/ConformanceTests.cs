using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;
using Detector.TestSupport;
using Xunit.Abstractions;

namespace Detector.Imaging.Tests;

/// <summary>
/// Decode + preprocess every (model, image) pair of shared/conformance/expected.json and compare with what the
/// original frameworks fed the models: PNG bit-exact (sha256 of the float32 LE tensor), JPEG within the README's
/// tolerances (ImageSharp's JPEG decoder differs from libjpeg-turbo by a few levels).
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    // README "Recommended tolerances" for JPEG input with the ImageSharp decoder and compatible resizes.
    private const double MaxJpegLevelDiff = 16;
    private const double MaxJpegMeanAbsUnit = 0.01;

    private static readonly Lazy<JsonDocument> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(SharedData.PathOf("conformance/expected.json"))));

    private static readonly ImageSharpDecoder Decoder = new();

    public static TheoryData<string> PairIds()
    {
        var data = new TheoryData<string>();
        if (!SharedData.IsAvailable)
        {
            // The theory is skipped without ../shared; one placeholder keeps discovery from failing on empty data.
            data.Add("(shared data absent)");
            return data;
        }

        foreach (JsonElement pair in Expected.Value.RootElement.GetProperty("pairs").EnumerateArray())
        {
            data.Add(pair.GetProperty("id").GetString()!);
        }

        return data;
    }

    [SharedDataFact]
    public void ExpectedJson_ListsAllPairs_FortyFivePairsOverFourModels()
    {
        // Arrange
        JsonElement root = Expected.Value.RootElement;

        // Act
        int pairs = root.GetProperty("pairs").GetArrayLength();
        int models = root.GetProperty("models").EnumerateObject().Count();

        // Assert: the theory below really covers what the README describes.
        Assert.Equal(45, pairs);
        Assert.Equal(4, models);
    }

    [SharedDataTheory]
    [MemberData(nameof(PairIds))]
    public void Preprocess_ConformancePair_MatchesReferenceTensor(string pairId)
    {
        // Arrange
        JsonElement root = Expected.Value.RootElement;
        JsonElement pair = root.GetProperty("pairs").EnumerateArray().Single(p => p.GetProperty("id").GetString() == pairId);
        string family = root.GetProperty("models").GetProperty(pair.GetProperty("model").GetString()!).GetProperty("family").GetString()!;
        PreprocessRecipe recipe = ConformanceRecipes.ForFamily(family);
        string imageFile = pair.GetProperty("image_file").GetString()!;
        JsonElement input = pair.GetProperty("input");
        int[] shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        byte[] encoded = File.ReadAllBytes(SharedData.PathOf(imageFile));

        // Act
        float[] tensor = DecodeAndPreprocess(encoded, recipe, out DecodedImage header);

        // Assert
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), tensor.Length);
        Assert.Equal(shape[1], recipe.Channels);
        string tensorFile = input.GetProperty("tensor_file").GetString() ?? string.Empty;
        TensorDiff? diff = tensorFile.Length > 0
            ? TensorDiff.Compare(tensor, ReadTensor(tensorFile), recipe, shape[2] * shape[3])
            : null;
        string sha = Sha256F32(tensor);
        if (header.Header.Format == ImageFormatKind.Png)
        {
            output.WriteLine($"{pairId}: PNG, sha256 {(sha == input.GetProperty("sha256_f32le").GetString() ? "bit-exact" : "DIFFERS")}{diff?.Describe()}");
            Assert.Equal(input.GetProperty("sha256_f32le").GetString(), sha);
        }
        else
        {
            double meanDiff = Math.Abs(Mean(tensor) - input.GetProperty("mean").GetDouble());
            double stdDiff = Math.Abs(Std(tensor) - input.GetProperty("std").GetDouble());

            // |mean difference| <= mean |difference| / smallest std, so this is implied by the README's mean-abs bound.
            double meanDiffUnit = meanDiff * ConformanceRecipes.SmallestStd(recipe);
            output.WriteLine(
                $"{pairId}: JPEG, tensor mean diff {meanDiff:G4} ({meanDiffUnit:G4} in [0,1] units), std diff {stdDiff:G4}{diff?.Describe()}");
            Assert.True(meanDiffUnit <= MaxJpegMeanAbsUnit, $"tensor mean differs by {meanDiffUnit} in [0,1] units");
            if (diff is not null)
            {
                Assert.True(diff.MaxLevels <= MaxJpegLevelDiff, $"max level difference {diff.MaxLevels} over {MaxJpegLevelDiff}");
                Assert.True(diff.MeanAbsUnit <= MaxJpegMeanAbsUnit, $"mean abs difference {diff.MeanAbsUnit} over {MaxJpegMeanAbsUnit}");
            }
        }

        header.Dispose();
    }

    [SharedDataFact]
    public void Preprocess_NoiseprintLuma_IsBitExact()
    {
        // Arrange
        JsonElement extra = Expected.Value.RootElement.GetProperty("extra_noiseprint");
        byte[] encoded = File.ReadAllBytes(SharedData.PathOf(extra.GetProperty("image").GetString()!));
        int[] shape = extra.GetProperty("input").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        PreprocessRecipe recipe = ConformanceRecipes.ForFamily("noiseprint");

        // Act
        float[] tensor = DecodeAndPreprocess(encoded, recipe, out DecodedImage image);
        using (image)
        {
            // Assert
            Assert.Equal([1, 1, image.Height, image.Width], shape);
            Assert.Equal(extra.GetProperty("input").GetProperty("sha256_f32le").GetString(), Sha256F32(tensor));
        }
    }

    private static float[] DecodeAndPreprocess(byte[] encoded, PreprocessRecipe recipe, out DecodedImage image)
    {
        image = Decoder.Decode(encoded);
        float[] tensor = new float[ImagePreprocessor.TensorLength(recipe, image.Width, image.Height)];
        ImagePreprocessor.Write(image, recipe, tensor);
        return tensor;
    }

    private static float[] ReadTensor(string relativePath)
    {
        byte[] bytes = File.ReadAllBytes(SharedData.PathOf(relativePath));
        Assert.True(BitConverter.IsLittleEndian, "reference tensors are little-endian float32");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    internal static string Sha256F32(float[] tensor)
    {
        Assert.True(BitConverter.IsLittleEndian, "sha256_f32le hashes little-endian float32 bytes");
        return Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(tensor.AsSpan())));
    }

    private static double Mean(float[] values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    private static double Std(float[] values)
    {
        double mean = Mean(values);
        double sum = 0;
        foreach (float v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return Math.Sqrt(sum / values.Length);
    }
}

/// <summary>Element-wise difference to a stored reference tensor, in 8-bit levels and in [0,1] units.</summary>
internal sealed record TensorDiff(double MaxLevels, double MeanAbsUnit, double FractionDiffering)
{
    public static TensorDiff Compare(float[] actual, float[] reference, PreprocessRecipe recipe, int plane)
    {
        Assert.Equal(reference.Length, actual.Length);
        double maxLevels = 0;
        double sumUnit = 0;
        int differing = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            // Undo the normalisation's division by std to get back to [0,1] (then x255 to 8-bit levels).
            double unit = Math.Abs((double)actual[i] - reference[i]) * ConformanceRecipes.StdOf(recipe, i / plane % recipe.Channels);
            maxLevels = Math.Max(maxLevels, unit * 255);
            sumUnit += unit;
            differing += actual[i] != reference[i] ? 1 : 0;
        }

        return new TensorDiff(Math.Round(maxLevels, 3), sumUnit / actual.Length, (double)differing / actual.Length);
    }

    public string Describe() =>
        $"; vs stored tensor: max {MaxLevels:0.###} levels, mean abs {MeanAbsUnit:G4} [0,1] units, {FractionDiffering:P2} of values differ";
}
