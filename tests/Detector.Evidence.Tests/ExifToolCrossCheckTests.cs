using System.Diagnostics;
using System.Text.Json;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using Xunit.Abstractions;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

/// <summary>A fact that runs only when <c>exiftool</c> is on PATH, and says so when it is skipped.</summary>
public sealed class ExifToolFactAttribute : FactAttribute
{
    public ExifToolFactAttribute()
    {
        if (ExifTool.Path is null)
        {
            Skip = "exiftool is not on PATH; install it (Debian: apt-get install -y libimage-exiftool-perl) to cross-check the extractors against it.";
        }
    }
}

/// <summary>A theory that runs only when <c>exiftool</c> is on PATH.</summary>
public sealed class ExifToolTheoryAttribute : TheoryAttribute
{
    public ExifToolTheoryAttribute()
    {
        if (ExifTool.Path is null)
        {
            Skip = "exiftool is not on PATH; install it (Debian: apt-get install -y libimage-exiftool-perl) to cross-check the extractors against it.";
        }
    }
}

internal static class ExifTool
{
    public static string? Path { get; } = Find();

    /// <summary>Runs <c>exiftool -j -a -G1 [extra] file</c> and returns the first object of its JSON array.</summary>
    public static JsonElement Read(string file, params string[] extra)
    {
        ProcessStartInfo start = new(Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["-j", "-a", "-G1", "-charset", "utf8", .. extra, file])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string json = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "exiftool did not finish within 30 s");
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement[0].Clone();
    }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(dir, "exiftool");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>Cross-checks the XMP digital source type and PNG text values against ExifTool on files written by the tests.</summary>
public sealed class ExifToolCrossCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("detector-exiftool-").FullName;
    private readonly ITestOutputHelper _output;

    public ExifToolCrossCheckTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [ExifToolTheory]
    [InlineData("attribute")]
    [InlineData("element")]
    [InlineData("rdf:resource")]
    public void XmpDigitalSourceType_MatchesExifTool(string form)
    {
        string packet = form switch
        {
            "attribute" => XmpPackets.Attribute(JumbfBuilder.TrainedAlgorithmicMedia),
            "element" => XmpPackets.Element(JumbfBuilder.TrainedAlgorithmicMedia),
            _ => XmpPackets.Resource(JumbfBuilder.TrainedAlgorithmicMedia),
        };
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(packet));
        string file = Write("dst.jpg", jpeg);

        JsonElement exif = ExifTool.Read(file);
        string theirs = exif.GetProperty("XMP-iptcExt:DigitalSourceType").GetString()!;
        string ours = Single(Analyze(jpeg), FindingKinds.XmpDigitalSourceType).ValueOf("digital_source_type")!;

        _output.WriteLine($"exiftool: {theirs}; ours: {ours}");
        Assert.Equal(theirs, ours);
    }

    [ExifToolFact]
    public void PngText_ValuesMatchExifTool()
    {
        string parameters = "a lighthouse, 灯台, café\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x64";
        byte[] png = PngBuilder.Small(b => b.InternationalText("parameters", parameters).Text("Copyright", "Test Owner").CompressedText("Disclaimer", "compressed text here").InternationalText("Comment", "ünïcödé comment 猫"));
        string file = Write("text.png", png);

        JsonElement exif = ExifTool.Read(file);
        EvidenceReport report = Analyze(png);

        string theirParameters = exif.GetProperty("PNG:Parameters").GetString()!;
        Finding ours = Single(report, FindingKinds.GeneratorParameters);
        _output.WriteLine("exiftool parameters: " + theirParameters.ReplaceLineEndings(" | "));
        Assert.StartsWith(ours.ValueOf("prompt")!, theirParameters, StringComparison.Ordinal);
        Assert.Contains("Seed: " + ours.ValueOf("seed"), theirParameters, StringComparison.Ordinal);
        Assert.Contains("Negative prompt: " + ours.ValueOf("negative_prompt"), theirParameters, StringComparison.Ordinal);

        Assert.Equal(exif.GetProperty("PNG:Copyright").GetString(), PlainText(report, "Copyright"));
        Assert.Equal(exif.GetProperty("PNG:Disclaimer").GetString(), PlainText(report, "Disclaimer"));
        Assert.Equal("ünïcödé comment 猫", exif.GetProperty("PNG:Comment").GetString());
    }

    [ExifToolFact]
    public void C2paStore_ExifToolSeesTheSameActions()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("ChatGPT")));
        string file = Write("c2pa.png", png);

        JsonElement exif = ExifTool.Read(file, "-struct", "-u");
        string all = exif.GetRawText();
        _output.WriteLine(all.Length > 2000 ? all[..2000] : all);
        Finding ours = Single(Analyze(png), FindingKinds.C2paAiSourceType);

        Assert.Contains(ours.ValueOf("digital_source_type")!, all, StringComparison.Ordinal);
        Assert.Equal("ChatGPT", exif.GetProperty("CBOR:Claim_generator_info").GetProperty("name").GetString());
        Assert.StartsWith("ChatGPT", ours.ValueOf("generator"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string? PlainText(EvidenceReport report, string keyword)
        => report.Findings.FirstOrDefault(f => f.Kind == FindingKinds.PngText && f.ValueOf("keyword") == keyword)?.ValueOf("value");

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
