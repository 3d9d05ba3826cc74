using System.Text.Json;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.TestSupport;

namespace Detector.Engine.Tests.Conformance;

/// <summary>Reads ../shared/conformance/expected.json and the test manifests written for the shared models.</summary>
internal static class ConformanceCatalog
{
    /// <summary>expected.json model key → test manifest file.</summary>
    public static readonly IReadOnlyDictionary<string, string> ManifestFor = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Meso4_DF"] = "meso4-df.json",
        ["MesoInception_DF"] = "mesoinception-df.json",
        ["WildRF_Tiny_LaDeDa"] = "tiny-ladeda.json",
        ["ppocr_cls"] = "ppocr-cls.json",
    };

    private static readonly Lazy<JsonDocument> Expected = new(() => JsonDocument.Parse(File.ReadAllText(SharedData.PathOf("conformance/expected.json"))));

    public static JsonElement Root => Expected.Value.RootElement;

    public static IEnumerable<JsonElement> Pairs => Root.GetProperty("pairs").EnumerateArray();

    public static JsonElement Pair(string id) => Pairs.Single(p => p.GetProperty("id").GetString() == id);

    /// <summary>Pair ids for theories; empty (and the theory skipped by its attribute) when ../shared is absent.</summary>
    public static TheoryData<string> PairIds()
    {
        TheoryData<string> data = [];
        if (!SharedData.IsAvailable)
        {
            data.Add("(shared data absent)");
            return data;
        }

        foreach (JsonElement pair in Pairs)
        {
            data.Add(pair.GetProperty("id").GetString()!);
        }

        return data;
    }

    /// <summary>Parses a test manifest with ${SHARED} replaced by the real shared folder.</summary>
    public static ModelManifest LoadManifest(string manifestFile)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Conformance", "Manifests", manifestFile);
        string json = File.ReadAllText(source).Replace("${SHARED}", SharedData.RootOrNull!.Replace("\\", "/", StringComparison.Ordinal), StringComparison.Ordinal);
        return ManifestParser.Parse(json, source);
    }

    public static OnnxModelSession OpenSession(ModelManifest manifest) =>
        new(new ModelDefinition(manifest, manifest.DeclaredSha256 ?? ""), new InferenceOptions { ExecutionProvider = "cpu", IntraOpThreads = 1 }, new OrtExecutionProviderProbe());

    public static float[] ReadTensor(string relativePath)
    {
        byte[] bytes = File.ReadAllBytes(SharedData.PathOf(relativePath));
        float[] values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
