using System.Security.Cryptography;
using System.Text.Json;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;
using Detector.TestSupport;
using Xunit.Abstractions;

namespace Detector.Engine.Tests.Conformance;

/// <summary>
/// The real third-party models, through manifests written for them, against what their original frameworks compute
/// (../shared/conformance). PNG inputs must give bit-identical tensors; JPEG inputs differ by the decoder (ImageSharp vs libjpeg-turbo)
/// within the tolerances in the conformance README, and the measured effect on scores is printed.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    private const double ModelTolerance = 1e-5;
    private const double JpegMaxLevels = 16;
    private const double JpegMeanAbsUnit = 0.01;
    private const double JpegScoreTolerance = 0.03;

    [SharedDataTheory]
    [MemberData(nameof(ConformanceCatalog.PairIds), MemberType = typeof(ConformanceCatalog))]
    public void Pipeline_ConformancePair_MatchesReferenceTensorAndScore(string pairId)
    {
        JsonElement pair = ConformanceCatalog.Pair(pairId);
        ModelManifest manifest = ConformanceCatalog.LoadManifest(ConformanceCatalog.ManifestFor[pair.GetProperty("model").GetString()!]);
        byte[] file = File.ReadAllBytes(SharedData.PathOf(pair.GetProperty("image_file").GetString()!));
        JsonElement input = pair.GetProperty("input");

        using DecodedImage image = new ImageSharpDecoder(new ImagingOptions()).Decode(file);
        (int height, int width) = ImagePreprocessor.TensorSize(manifest.Recipe, image.Width, image.Height);
        float[] tensor = new float[manifest.Recipe.Channels * height * width];
        ImagePreprocessor.Write(image, manifest.Recipe, tensor);

        int[] shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal([1, manifest.Recipe.Channels, height, width], shape);
        using OnnxModelSession session = ConformanceCatalog.OpenSession(manifest);
        (float[] raw, _) = session.Run(tensor, 1, height, width);
        float score = ScoreRule.Apply(manifest.Output, raw);
        double expectedScore = pair.GetProperty("score").GetProperty("value").GetDouble();
        double scoreDiff = Math.Abs(score - expectedScore);

        bool isPng = image.Header.Format == ImageFormatKind.Png;
        if (isPng)
        {
            Assert.Equal(input.GetProperty("sha256_f32le").GetString(), Sha256(tensor));
            Assert.True(scoreDiff <= ModelTolerance, $"score {score} vs reference {expectedScore}");
            output.WriteLine($"{pairId}: PNG tensor bit-exact, score diff {scoreDiff:E2}");
        }
        else
        {
            // Compare with the stored reference tensor when there is one, otherwise with the reference statistics.
            double unitPerLevel = LevelSize(manifest.Recipe);
            string? tensorFile = input.GetProperty("tensor_file").ValueKind == JsonValueKind.String ? input.GetProperty("tensor_file").GetString() : null;
            if (tensorFile is not null)
            {
                float[] reference = ConformanceCatalog.ReadTensor(tensorFile);
                (double maxAbs, double meanAbs) = Diff(tensor, reference);
                double maxLevels = maxAbs / unitPerLevel;
                double meanUnit = meanAbs / unitPerLevel / 255.0;
                output.WriteLine($"{pairId}: JPEG tensor max {maxLevels:F1} levels, mean {meanUnit:F5} (0..1 units); score diff {scoreDiff:F5}");
                Assert.True(maxLevels <= JpegMaxLevels + 0.01, $"max level diff {maxLevels}");
                Assert.True(meanUnit <= JpegMeanAbsUnit, $"mean abs diff {meanUnit}");
            }
            else
            {
                double meanDiff = Math.Abs(tensor.Average(v => (double)v) - input.GetProperty("mean").GetDouble()) / unitPerLevel / 255.0;
                output.WriteLine($"{pairId}: JPEG tensor mean differs by {meanDiff:F5} (0..1 units); score diff {scoreDiff:F5}");
                Assert.True(meanDiff <= JpegMeanAbsUnit, $"tensor mean differs by {meanDiff}");
            }

            Assert.True(scoreDiff <= JpegScoreTolerance, $"score {score} vs reference {expectedScore} (diff {scoreDiff})");
        }
    }

    [SharedDataTheory]
    [MemberData(nameof(ConformanceCatalog.PairIds), MemberType = typeof(ConformanceCatalog))]
    public void Model_ReferenceTensor_OutputMatchesWithin1e5(string pairId)
    {
        JsonElement pair = ConformanceCatalog.Pair(pairId);
        JsonElement input = pair.GetProperty("input");
        if (input.GetProperty("tensor_file").ValueKind != JsonValueKind.String)
        {
            // Only 8 reference tensors are stored; PNG pairs are covered bit-exactly by the pipeline test above.
            Assert.NotEmpty(input.GetProperty("sha256_f32le").GetString()!);
            return;
        }

        ModelManifest manifest = ConformanceCatalog.LoadManifest(ConformanceCatalog.ManifestFor[pair.GetProperty("model").GetString()!]);
        float[] tensor = ConformanceCatalog.ReadTensor(input.GetProperty("tensor_file").GetString()!);
        Assert.Equal(input.GetProperty("sha256_f32le").GetString(), Sha256(tensor));
        int[] shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        using OnnxModelSession session = ConformanceCatalog.OpenSession(manifest);
        (float[] raw, _) = session.Run(tensor, 1, shape[2], shape[3]);

        double[] expected = pair.GetProperty("output").GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(expected.Length, raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            Assert.True(Math.Abs(raw[i] - expected[i]) <= ModelTolerance, $"output[{i}] {raw[i]} vs {expected[i]}");
        }

        Assert.Equal(pair.GetProperty("score").GetProperty("value").GetDouble(), ScoreRule.Apply(manifest.Output, raw), ModelTolerance);
    }

    [SharedDataFact]
    public void Noiseprint_InpaintingDemo_LumaBitExactAndMapMatchesAuthorsOutput()
    {
        JsonElement extra = ConformanceCatalog.Root.GetProperty("extra_noiseprint");
        ModelManifest manifest = ConformanceCatalog.LoadManifest("noiseprint.json");
        byte[] file = File.ReadAllBytes(SharedData.PathOf(extra.GetProperty("image").GetString()!));

        using DecodedImage image = new ImageSharpDecoder(new ImagingOptions()).Decode(file);
        (int height, int width) = ImagePreprocessor.TensorSize(manifest.Recipe, image.Width, image.Height);
        float[] luma = new float[height * width];
        ImagePreprocessor.Write(image, manifest.Recipe, luma);
        Assert.Equal(extra.GetProperty("input").GetProperty("sha256_f32le").GetString(), Sha256(luma));

        using OnnxModelSession session = ConformanceCatalog.OpenSession(manifest);
        (float[] map, int perImage) = session.Run(luma, 1, height, width);
        float[] authors = ConformanceCatalog.ReadTensor(extra.GetProperty("output").GetProperty("authors_reference_file").GetString()!);

        Assert.Equal(height * width, perImage);
        (double maxAbs, _) = Diff(map, authors);
        output.WriteLine($"noiseprint: max |Δ| vs authors' map {maxAbs:E3}");
        Assert.True(maxAbs <= 1e-4, $"max abs diff {maxAbs}");
        Assert.Equal(0f, ScoreRule.Apply(manifest.Output, map));
    }

    private static string Sha256(float[] values)
    {
        byte[] bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static (double MaxAbs, double MeanAbs) Diff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double max = 0;
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs(a[i] - b[i]);
            max = Math.Max(max, d);
            sum += d;
        }

        return (max, sum / a.Length);
    }

    /// <summary>Tensor units of one 8-bit level after the recipe's scaling and normalisation (smallest std, worst case).</summary>
    private static double LevelSize(PreprocessRecipe recipe)
    {
        double std = recipe.Std is { Count: > 0 } s ? s.Min() : 1.0;
        return 1.0 / recipe.ScaleValue / std;
    }
}
