using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

public class FileFactsTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    [InlineData(75)]
    [InlineData(92)]
    [InlineData(100)]
    public void JpegQuality_IjgTables_EstimatedExactly(int quality)
    {
        byte[] jpeg = JpegBuilder.Simple(quality: quality);

        Finding f = Single(Analyze(jpeg), FindingKinds.JpegQuality);

        Assert.Equal(quality.ToString(System.Globalization.CultureInfo.InvariantCulture), f.ValueOf("estimated_quality"));
        Assert.Equal("yes", f.ValueOf("ijg_standard_tables"));
    }

    [Fact]
    public void JpegQuality_CustomTables_SaysNotIjg()
    {
        byte[] table = [0, .. Enumerable.Range(0, 64).Select(i => (byte)(3 + (i % 5)))];
        JpegBuilder builder = new();
        byte[] jpeg = builder.DqtRaw(table).Sof0(8, 8).ScanAndEnd().Build();

        Finding f = Single(Analyze(jpeg), FindingKinds.JpegQuality);

        Assert.Equal("no", f.ValueOf("ijg_standard_tables"));
        Assert.Contains("not the IJG standard tables", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void JpegDqt_Truncated_IsMalformed()
    {
        byte[] jpeg = new JpegBuilder().DqtRaw([0, 1, 2, 3]).Sof0(8, 8).ScanAndEnd().Build();

        Assert.Contains(Analyze(jpeg).Findings, f => f.Kind == FindingKinds.ContainerStructure && f.Summary.Contains("DQT", StringComparison.Ordinal));
    }

    [Fact]
    public void Container_ReportsFormatAndDimensions()
    {
        Finding f = Single(Analyze(JpegBuilder.Simple(width: 640, height: 480)), FindingKinds.ContainerFormat);

        Assert.Equal("JPEG", f.ValueOf("container"));
        Assert.Equal("640", f.ValueOf("width"));
        Assert.Equal("480", f.ValueOf("height"));
        Assert.Contains("baseline", f.ValueOf("encoding"), StringComparison.Ordinal);
    }

    [Fact]
    public void Exif_MakeModelSoftware_Reported()
    {
        byte[] tiff = new TiffBuilder(littleEndian: false).Ascii(0x010F, "Canon").Ascii(0x0110, "Canon EOS R5").Ascii(0x0131, "Firmware 1.8").Build();

        EvidenceReport report = Analyze(JpegBuilder.Simple(b => b.Exif(tiff)));

        Finding camera = Single(report, FindingKinds.ExifCamera);
        Assert.Equal("Canon", camera.ValueOf("make"));
        Assert.Equal("Canon EOS R5", camera.ValueOf("model"));
        Assert.Equal("Firmware 1.8", Single(report, FindingKinds.ExifSoftware).ValueOf("software"));
    }

    [Fact]
    public void Exif_GeneratorSoftware_IsHint()
    {
        byte[] tiff = new TiffBuilder().Ascii(0x0131, "Midjourney v6").Build();

        Finding f = Single(Analyze(JpegBuilder.Simple(b => b.Exif(tiff))), FindingKinds.ExifGeneratorSoftware);

        Assert.Equal(FindingStrength.SupportingHint, f.Strength);
    }

    [Fact]
    public void Exif_EditorSoftware_IsManipulationHint()
    {
        byte[] tiff = new TiffBuilder().Ascii(0x0131, "Adobe Photoshop 25.0 (Windows)").Build();

        Finding f = Single(Analyze(JpegBuilder.Simple(b => b.Exif(tiff))), FindingKinds.ExifEditingSoftware);

        Assert.Equal("Photoshop", f.ValueOf("editor"));
    }

    [Fact]
    public void Exif_Thumbnail_PresenceAndShapeMismatch()
    {
        byte[] thumbnail = JpegBuilder.Simple(width: 100, height: 100);
        byte[] tiff = new TiffBuilder().Ascii(0x010F, "Nikon").Thumbnail(thumbnail).Build();

        Finding same = Single(Analyze(JpegBuilder.Simple(b => b.Exif(tiff), width: 400, height: 400)), FindingKinds.ExifThumbnail);
        Finding different = Single(Analyze(JpegBuilder.Simple(b => b.Exif(tiff), width: 400, height: 200)), FindingKinds.ExifThumbnail);

        Assert.Equal(FindingStrength.NeutralFact, same.Strength);
        Assert.Equal("100x100", same.ValueOf("thumbnail_size"));
        Assert.Equal(FindingStrength.SupportingHint, different.Strength);
    }

    [Fact]
    public void Exif_ThumbnailOutsideBlock_IsMalformed()
    {
        byte[] tiff = new TiffBuilder().Thumbnail(JpegBuilder.Simple()).Build();
        byte[] cut = tiff[..^20];

        Assert.Contains(Analyze(JpegBuilder.Simple(b => b.Exif(cut))).Findings, f => f.Kind == FindingKinds.ExifMalformed);
    }

    [Fact]
    public void Jpeg_App13Photoshop_IsNoted()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.App(13, "Photoshop 3.0\08BIM"u8.ToArray()));

        Assert.Equal(FindingStrength.NeutralFact, Single(Analyze(jpeg), FindingKinds.JpegPhotoshopSegment).Strength);
    }

    [Fact]
    public void Jpeg_TwoImagesWithoutMpf_AreNoted()
    {
        byte[] jpeg = [.. JpegBuilder.Simple(), .. JpegBuilder.Simple()];

        Finding f = Single(Analyze(jpeg), FindingKinds.JpegMultipleImages);

        Assert.Equal("2", f.ValueOf("soi"));
        Assert.Equal("no", f.ValueOf("mpf"));
    }

    [Fact]
    public void TrailingData_IsNoted()
    {
        byte[] jpeg = [.. JpegBuilder.Simple(), .. "hidden zip"u8.ToArray()];

        Assert.Equal("10", Single(Analyze(jpeg), FindingKinds.TrailingData).ValueOf("bytes"));
    }
}
