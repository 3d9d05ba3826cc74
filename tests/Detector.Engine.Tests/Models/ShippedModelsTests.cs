using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;
using Detector.TestSupport;

namespace Detector.Engine.Tests.Models;

/// <summary>The repository's own models/ folder (what the default run serves) loads, validates against its graphs and scores.</summary>
public sealed class ShippedModelsTests
{
    internal static string RepositoryModels() => RepositoryRoot.PathOf("models");

    [Fact]
    public void Load_RepositoryModels_EveryManifestIsValidAndADefaultExists()
    {
        IReadOnlyList<ModelDefinition> models = ModelRepository.Load(new ModelRepositoryOptions { Directory = RepositoryModels() });

        Assert.Contains(models, m => m.Manifest.IsDefault && m.Manifest.Task == ModelTask.Synthetic);
        Assert.All(models, m => Assert.Equal(m.Manifest.DeclaredSha256, m.FileSha256));
    }

    [Fact]
    public void Load_TheWeakBaseline_DeclaresTheCautionItsVerdictLabelsCarry()
    {
        ModelDefinition baseline = Assert.Single(ModelRepository.Load(new ModelRepositoryOptions { Directory = RepositoryModels() }), m => m.Manifest.Name == "baseline-synthetic");

        Assert.Contains("never sufficient alone", baseline.Manifest.Caution, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_RepositoryModels_ScoreATexturedImageIntoUnitInterval()
    {
        byte[] jpeg = TestImages.Textured(300, 260, jpeg: true);
        using DecodedImage image = new ImageSharpDecoder(new ImagingOptions()).Decode(jpeg);

        foreach (ModelDefinition model in ModelRepository.Load(new ModelRepositoryOptions { Directory = RepositoryModels() }))
        {
            using OnnxModelSession session = new(model, new InferenceOptions { ExecutionProvider = "cpu" }, new OrtExecutionProviderProbe());
            (int height, int width) = ImagePreprocessor.TensorSize(model.Manifest.Recipe, image.Width, image.Height);
            float[] tensor = new float[model.Manifest.Recipe.Channels * height * width];
            ImagePreprocessor.Write(image, model.Manifest.Recipe, tensor);

            (float[] raw, int perImage) = session.Run(tensor, 1, height, width);

            Assert.True(perImage >= 1);
            Assert.InRange(ScoreRule.Apply(model.Manifest.Output, raw), 0f, 1f);
            Assert.All(raw, v => Assert.True(float.IsFinite(v)));
        }
    }
}
