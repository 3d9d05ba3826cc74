using System.Text.Json.Nodes;
using Detector.Engine.Models;
using Detector.Imaging.Preprocessing;
using Detector.TestSupport;

namespace Detector.Engine.Tests.Models;

public sealed class ManifestParserTests : IDisposable
{
    private readonly TestModelFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ManifestException ParseExpectingError(Action<JsonObject> edit)
    {
        string path = _folder.AddTinyModel("m", edit: edit);
        return Assert.Throws<ManifestException>(() => ManifestParser.ParseFile(path));
    }

    [Fact]
    public void ParseFile_ValidManifest_ReadsEveryField()
    {
        string path = _folder.AddTinyModel("tiny", edit: m =>
        {
            m["input"]!["mean"] = new JsonArray(0.485, 0.456, 0.406);
            m["input"]!["std"] = new JsonArray(0.229, 0.224, 0.225);
            m["threshold"] = 0.7;
        });

        ModelManifest manifest = ManifestParser.ParseFile(path);

        Assert.Equal("tiny", manifest.Name);
        Assert.Equal(ModelTask.Synthetic, manifest.Task);
        Assert.Equal(0.7f, manifest.Threshold);
        Assert.Equal(8, manifest.MaxBatchSize);
        Assert.Equal(ResizeFilter.PilBilinear, manifest.Recipe.Filter);
        Assert.Equal(ResizeMode.Stretch, manifest.Recipe.ResizeMode);
        Assert.Equal(32, manifest.Recipe.Width);
        Assert.Equal([0.485f, 0.456f, 0.406f], manifest.Recipe.Mean);
        Assert.Equal(OutputKind.Probability, manifest.Output.Kind);
        Assert.True(File.Exists(manifest.ModelPath));
    }

    [Fact]
    public void ParseFile_BatchTensorLargerThanAnArray_NamesMaxBatchSize()
    {
        // 16 x 3 x 8192 x 8192 floats: each field is in range, but one batch would not fit a float[] (nor an int count).
        ManifestException ex = ParseExpectingError(m =>
        {
            m["maxBatchSize"] = 16;
            m["input"]!["width"] = 8192;
            m["input"]!["height"] = 8192;
        });

        Assert.Equal("maxBatchSize", ex.Field);
        Assert.Contains("3x8192x8192", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_MissingRequiredField_NamesFileAndField()
    {
        ManifestException ex = ParseExpectingError(m => m.Remove("task"));

        Assert.Equal("task", ex.Field);
        Assert.Contains("manifest.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'task'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("resize", "squash", "input.resize")]
    [InlineData("filter", "lanczos", "input.filter")]
    [InlineData("layout", "CHW", "input.layout")]
    [InlineData("colorOrder", "YUV", "input.colorOrder")]
    [InlineData("scale", "times", "input.scale")]
    public void ParseFile_UnknownEnumValue_NamesTheFieldAndTheChoices(string field, string value, string expectedField)
    {
        ManifestException ex = ParseExpectingError(m => m["input"]![field] = value);

        Assert.Equal(expectedField, ex.Field);
        Assert.Contains($"'{value}' is not one of", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_UnknownField_IsAnError()
    {
        ManifestException ex = ParseExpectingError(m => m["input"]!["meann"] = new JsonArray(0, 0, 0));

        Assert.Equal("input.meann", ex.Field);
    }

    [Fact]
    public void ParseFile_Caution_ReadAndEmptyWhenAbsent()
    {
        string with = _folder.AddTinyModel("careful", edit: m => m["caution"] = "weak baseline: never sufficient alone");
        string without = _folder.AddTinyModel("plain");

        Assert.Equal("weak baseline: never sufficient alone", ManifestParser.ParseFile(with).Caution);
        Assert.Equal("", ManifestParser.ParseFile(without).Caution);
    }

    [Theory]
    [InlineData(121)]
    [InlineData(-1)] // a line break
    public void ParseFile_CautionTooLongOrOverSeveralLines_IsAnError(int length)
    {
        string caution = length < 0 ? "weak\nbaseline" : new string('c', length);

        ManifestException ex = ParseExpectingError(m => m["caution"] = caution);

        Assert.Equal("caution", ex.Field);
        Assert.Contains($"at most {ManifestParser.MaxCautionLength} characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_ThresholdOutsideUnitInterval_IsAnError()
    {
        ManifestException ex = ParseExpectingError(m => m["threshold"] = 1.5);

        Assert.Equal("threshold", ex.Field);
    }

    [Fact]
    public void ParseFile_MeanWithWrongChannelCount_IsAnError()
    {
        ManifestException ex = ParseExpectingError(m =>
        {
            m["input"]!["mean"] = new JsonArray(0.5);
            m["input"]!["std"] = new JsonArray(0.5);
        });

        Assert.Equal("input.mean", ex.Field);
        Assert.Contains("3 numbers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_WrongType_IsAnError()
    {
        ManifestException ex = ParseExpectingError(m => m["maxBatchSize"] = "sixteen");

        Assert.Equal("maxBatchSize", ex.Field);
        Assert.Contains("integer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_ModelFileMissing_NamesTheFileField()
    {
        ManifestException ex = ParseExpectingError(m => m["file"] = "absent.onnx");

        Assert.Equal("file", ex.Field);
        Assert.Contains("absent.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_InvalidJson_SaysSo()
    {
        string path = _folder.AddManifest("broken", "{ \"name\": ");

        ManifestException ex = Assert.Throws<ManifestException>(() => ManifestParser.ParseFile(path));

        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeclaredShaDiffersFromFile_NamesTheShaField()
    {
        _folder.AddTinyModel("m", edit: m => m["sha256"] = new string('0', 64));

        ManifestException ex = Assert.Throws<ManifestException>(() => ModelRepository.Load(new ModelRepositoryOptions { Directory = _folder.Root }));

        Assert.Equal("sha256", ex.Field);
        Assert.Contains("hashes to", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoManifestsWithOneName_IsAnError()
    {
        _folder.AddTinyModel("a", edit: m => m["name"] = "same");
        _folder.AddTinyModel("b", edit: m => m["name"] = "same");

        ManifestException ex = Assert.Throws<ManifestException>(() => ModelRepository.Load(new ModelRepositoryOptions { Directory = _folder.Root }));

        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public void Load_EmptyFolder_SaysNoModelFound()
    {
        ManifestException ex = Assert.Throws<ManifestException>(() => ModelRepository.Load(new ModelRepositoryOptions { Directory = _folder.Root }));

        Assert.Contains("no model found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ValidModels_ComputesFileSha()
    {
        _folder.AddTinyModel("a");
        _folder.AddTinyModel("b", isDefault: false);

        IReadOnlyList<ModelDefinition> models = ModelRepository.Load(new ModelRepositoryOptions { Directory = _folder.Root });

        Assert.Equal(["a", "b"], models.Select(m => m.Name));
        Assert.All(models, m => Assert.Matches("^[0-9a-f]{64}$", m.FileSha256));
    }
}
