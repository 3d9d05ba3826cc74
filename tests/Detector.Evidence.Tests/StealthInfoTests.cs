using System.Text;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

public class StealthInfoTests
{
    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 1, 2, 3, 4, 0 })]
    public void AlphaPngComp_GzipNovelAiJson_IsDecodedColumnByColumn(byte[] filters)
    {
        byte[] payload = PngBuilder.Gzip(Encoding.UTF8.GetBytes(StealthBuilder.NovelAiJson("1girl, 桜", "lowres", 424242)));
        bool[] bits = StealthBuilder.Bits("stealth_pngcomp", payload);
        int width = 40;
        int height = 200;
        byte[] png = PngBuilder.Image(width, height, StealthBuilder.RgbaWithAlphaBits(width, height, bits), alpha: true, filters: filters);

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.GeneratorParameters);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
        Assert.Equal("NovelAI", f.ValueOf("generator"));
        Assert.Equal("1girl, 桜", f.ValueOf("prompt"));
        Assert.Equal("424242", f.ValueOf("seed"));
        Assert.Equal("lowres", f.ValueOf("negative_prompt"));
        Assert.Equal("stealth_pngcomp", f.ValueOf("magic"));
        Assert.Equal("alpha channel (pixel low bits)", f.Location.Segment);
        Assert.Contains("hidden metadata copy in the alpha channel", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void AlphaPngInfo_UncompressedA1111Text_IsDecoded()
    {
        byte[] payload = Encoding.UTF8.GetBytes("a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 31337, Size: 64x64");
        bool[] bits = StealthBuilder.Bits("stealth_pnginfo", payload);
        byte[] png = PngBuilder.Image(64, 64, StealthBuilder.RgbaWithAlphaBits(64, 64, bits), alpha: true);

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("31337", f.ValueOf("seed"));
        Assert.Equal("stealth_pnginfo", f.ValueOf("magic"));
    }

    [Fact]
    public void RgbInfo_RgbPngWithCallerPixels_IsDecodedFromThePixels()
    {
        byte[] payload = Encoding.UTF8.GetBytes("a tower\nSteps: 20, Sampler: Euler, Seed: 8, Size: 64x64");
        bool[] bits = StealthBuilder.Bits("stealth_rgbinfo", payload);
        byte[] rgb = StealthBuilder.RgbWithBits(32, 48, bits);
        byte[] png = PngBuilder.Image(32, 48, rgb, alpha: false);

        Finding f = Single(Analyze(png, new EvidencePixels(32, 48, rgb)), FindingKinds.GeneratorParameters);
        EvidenceReport withoutPixels = Analyze(png);

        Assert.Equal("8", f.ValueOf("seed"));
        Assert.Equal("RGB low bits", f.Location.Segment);
        None(withoutPixels, FindingKinds.GeneratorParameters);
    }

    [Fact]
    public void RgbComp_InRgbaPng_IsDecodedFromOwnDecode()
    {
        byte[] payload = PngBuilder.Gzip(Encoding.UTF8.GetBytes("a tower\nSteps: 20, Sampler: Euler, Seed: 11"));
        bool[] bits = StealthBuilder.Bits("stealth_rgbcomp", payload);
        byte[] rgb = StealthBuilder.RgbWithBits(32, 48, bits);
        byte[] rgba = new byte[32 * 48 * 4];
        for (int i = 0; i < 32 * 48; i++)
        {
            rgb.AsSpan(i * 3, 3).CopyTo(rgba.AsSpan(i * 4));
            rgba[(i * 4) + 3] = 255;
        }

        Finding f = Single(Analyze(PngBuilder.Image(32, 48, rgba, alpha: true)), FindingKinds.GeneratorParameters);

        Assert.Equal("11", f.ValueOf("seed"));
        Assert.Equal("stealth_rgbcomp", f.ValueOf("magic"));
    }

    [Fact]
    public void RgbInfo_FromCallerPixelsOfNonPngFile_IsDecoded()
    {
        byte[] payload = Encoding.UTF8.GetBytes("a boat\nSteps: 20, Sampler: Euler, Seed: 9");
        bool[] bits = StealthBuilder.Bits("stealth_rgbinfo", payload);
        byte[] rgb = StealthBuilder.RgbWithBits(32, 48, bits);
        byte[] webp = RiffBuilder.WebP();

        Finding f = Single(Analyze(webp, new EvidencePixels(32, 48, rgb)), FindingKinds.GeneratorParameters);

        Assert.Equal("9", f.ValueOf("seed"));
    }

    [Fact]
    public void NoMagic_NoFinding()
    {
        byte[] png = PngBuilder.Image(64, 64, StealthBuilder.RgbaWithAlphaBits(64, 64, []), alpha: true);

        EvidenceReport report = Analyze(png);

        None(report, FindingKinds.GeneratorParameters);
        None(report, FindingKinds.StealthPayload);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void DeclaredLengthBeyondImage_IsReportedNotRead()
    {
        bool[] bits = StealthBuilder.Bits("stealth_pnginfo", [1, 2, 3], declaredBits: 0xFFFFFFF0);
        byte[] png = PngBuilder.Image(32, 32, StealthBuilder.RgbaWithAlphaBits(32, 32, bits), alpha: true);

        Finding f = Single(Analyze(png), FindingKinds.GeneratorMalformed);

        Assert.Contains("declares", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void GzipBombInAlpha_IsCapped()
    {
        byte[] payload = PngBuilder.Gzip(new byte[8 * 1024 * 1024]);
        bool[] bits = StealthBuilder.Bits("stealth_pngcomp", payload);
        int side = (int)Math.Ceiling(Math.Sqrt(bits.Length)) + 1;
        byte[] png = PngBuilder.Image(side, side, StealthBuilder.RgbaWithAlphaBits(side, side, bits), alpha: true);

        EvidenceReport report = Analyze(png, options: new EvidenceOptions { MaxInflatedBytes = 1024 * 1024 });

        Assert.Contains("zip bomb", Single(report, FindingKinds.GeneratorMalformed).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void OverPixelCap_IsNotDecodedAndSaysSo()
    {
        byte[] png = PngBuilder.Image(64, 64, new byte[64 * 64 * 4], alpha: true);

        EvidenceReport report = Analyze(png, options: new EvidenceOptions { MaxStealthPixels = 1000 });

        Assert.Contains("pixel cap", Single(report, FindingKinds.StealthNotExamined).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Interlaced_IsNotDecodedAndSaysSo()
    {
        PngBuilder builder = new();
        builder.Header(8, 8, 8, 6, interlace: 1).Chunk("IDAT", PngBuilder.Zlib(new byte[8 * 33])).End();

        EvidenceReport report = Analyze(builder.Build());

        Assert.Contains("interlaced", Single(report, FindingKinds.StealthNotExamined).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageDataAskingForPresetDictionary_IsNotExaminedWithoutThrowing()
    {
        PngBuilder builder = new();
        builder.Header(300, 300, 8, 6).Chunk("IDAT", [0x78, 0x20, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00]).End();

        EvidenceReport report = Analyze(builder.Build());

        Single(report, FindingKinds.StealthNotExamined);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void TruncatedImageData_IsNotExaminedWithoutThrowing()
    {
        PngBuilder builder = new();
        builder.Header(300, 300, 8, 6).Chunk("IDAT", PngBuilder.Zlib(new byte[1000])).End();

        EvidenceReport report = Analyze(builder.Build());

        Assert.Contains("ends or is corrupt", Single(report, FindingKinds.StealthNotExamined).Summary, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }
}
