using Detector.Api.V1;
using Detector.Cli;
using Detector.Cli.Commands;

namespace Detector.Evaluation.Tests.Cli;

public class ResultPrinterTests
{
    [Fact]
    public void Print_ImageInfo_ShowsBitsPerPixelAndExifOrientation()
    {
        using var writer = new StringWriter();
        var result = new ImageResult
        {
            Status = new ItemStatus(),
            Info = new ImageInfo { Format = "jpeg", Width = 4032, Height = 3024, SizeBytes = 2_345_678, ColorModel = "rgb", BitsPerPixel = 24, ExifOrientation = 6, Sha256 = "ab12" },
        };

        ResultPrinter.Print(Consoles.Create(writer, terminal: false), "photo.jpg", result);

        Assert.Contains(
            "  image: jpeg 4032x3024, 2,345,678 bytes, rgb 24 bpp, EXIF orientation 6 (viewers rotate it 90° CW; scored as stored), sha256 ab12" + Environment.NewLine,
            writer.ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Print_NoOrientationNoBitDepth_SaysSoAndLeavesBitsOut()
    {
        using var writer = new StringWriter();
        var result = new ImageResult
        {
            Status = new ItemStatus(),
            Info = new ImageInfo { Format = "png", Width = 10, Height = 20, SizeBytes = 300, ColorModel = "palette", Sha256 = "cd34" },
        };

        ResultPrinter.Print(Consoles.Create(writer, terminal: false), "a.png", result);

        Assert.Contains("  image: png 10x20, 300 bytes, palette, no EXIF orientation, sha256 cd34" + Environment.NewLine, writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Print_EvidenceWithAndWithoutLocation_ParenthesesOnlyAroundALocation()
    {
        using var writer = new StringWriter();
        var result = new ImageResult { Status = new ItemStatus() };
        result.Evidence.Add(new Evidence { Strength = EvidenceStrength.ProofOfAiGeneration, Summary = "C2PA says trainedAlgorithmicMedia.", Location = new EvidenceLocation { Container = "jpeg", Segment = "APP11", Offset = 2 } });
        result.Evidence.Add(new Evidence { Strength = EvidenceStrength.NeutralFact, Summary = "PDQ hash 1f2e." });
        result.Evidence.Add(new Evidence { Strength = EvidenceStrength.SupportingHint, Summary = "EXIF Software names an editor.", Location = new EvidenceLocation { Segment = "APP1" } });

        ResultPrinter.Print(Consoles.Create(writer, terminal: false), "a.jpg", result);

        string[] lines = writer.ToString().Split(Environment.NewLine);
        Assert.Contains("  evidence proof of AI generation: C2PA says trainedAlgorithmicMedia. (jpeg APP11 @ 2)", lines);
        Assert.Contains("  evidence fact: PDQ hash 1f2e.", lines);
        Assert.Contains("  evidence hint: EXIF Software names an editor. (APP1)", lines);
    }

    [Theory]
    [InlineData(1, "EXIF orientation 1 (upright)")]
    [InlineData(3, "EXIF orientation 3 (viewers rotate it 180°; scored as stored)")]
    [InlineData(8, "EXIF orientation 8 (viewers rotate it 270° CW; scored as stored)")]
    [InlineData(9, "EXIF orientation 9 (not a valid value)")]
    public void Orientation_Tag_IsNamed(int tag, string expected)
    {
        Assert.Equal(expected, ResultPrinter.Orientation(tag));
    }
}
