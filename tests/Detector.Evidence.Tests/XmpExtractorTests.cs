using System.Text;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

public class XmpExtractorTests
{
    public static TheoryData<string> Forms => new() { "attribute", "element", "rdf:resource" };

    private static string Packet(string form, string value) => form switch
    {
        "attribute" => XmpPackets.Attribute(value),
        "element" => XmpPackets.Element(value),
        _ => XmpPackets.Resource(value),
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Jpeg_DigitalSourceTypeInEachForm_IsProofOfAiGeneration(string form)
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(Packet(form, JumbfBuilder.TrainedAlgorithmicMedia)));

        EvidenceReport report = Analyze(jpeg);

        Finding dst = Single(report, FindingKinds.XmpDigitalSourceType);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, dst.Strength);
        Assert.Equal(form, dst.ValueOf("form"));
        Assert.Equal("trainedAlgorithmicMedia", dst.ValueOf("term"));
        Assert.Equal("APP1 XMP", dst.Location.Segment);
        Assert.StartsWith("XMP metadata declares IPTC digital source type trainedAlgorithmicMedia", dst.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Png_ItxtXmp_CompositeIsProofOfAiEditing(string form)
    {
        byte[] png = PngBuilder.Small(b => b.InternationalText("XML:com.adobe.xmp", Packet(form, JumbfBuilder.CompositeWithTrained)));

        Finding dst = Single(Analyze(png), FindingKinds.XmpDigitalSourceType);

        Assert.Equal(FindingStrength.ProofOfAiEditing, dst.Strength);
        Assert.Equal("iTXt 'XML:com.adobe.xmp'", dst.Location.Segment);
    }

    [Fact]
    public void Png_CompressedItxtXmp_IsRead()
    {
        byte[] png = PngBuilder.Small(b => b.InternationalText("XML:com.adobe.xmp", XmpPackets.Element(JumbfBuilder.TrainedAlgorithmicMedia), compressed: true));

        Assert.Equal(FindingStrength.ProofOfAiGeneration, Single(Analyze(png), FindingKinds.XmpDigitalSourceType).Strength);
    }

    [Fact]
    public void WebP_XmpChunk_ReportsAiSystemProvenanceAndCreatorTool()
    {
        string packet = XmpPackets.Full(JumbfBuilder.TrainedAlgorithmicMedia, "Imagen 3", "https://example.invalid/manifest.c2pa", "Google AI");
        byte[] webp = RiffBuilder.WebP(("XMP ", Encoding.UTF8.GetBytes(packet)));

        EvidenceReport report = Analyze(webp);

        Assert.Equal(FindingStrength.ProofOfAiGeneration, Single(report, FindingKinds.XmpDigitalSourceType).Strength);
        Finding system = Single(report, FindingKinds.XmpAiSystem);
        Assert.Equal("Imagen 3", system.ValueOf("value"));
        Finding remote = Single(report, FindingKinds.XmpRemoteManifest);
        Assert.Equal("https://example.invalid/manifest.c2pa", remote.ValueOf("url"));
        Assert.Equal("no", remote.ValueOf("fetched"));
        Assert.Contains("not fetched", remote.Summary, StringComparison.Ordinal);
        Assert.Equal(FindingStrength.SupportingHint, Single(report, FindingKinds.XmpCreatorTool).Strength);
    }

    [Fact]
    public void DigitalCapture_IsNeutralAndSaysItProvesNothing()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(XmpPackets.Attribute(JumbfBuilder.DigitalCapture)));

        Finding dst = Single(Analyze(jpeg), FindingKinds.XmpDigitalSourceType);

        Assert.Equal(FindingStrength.NeutralFact, dst.Strength);
        Assert.Contains("not proof", dst.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortTermWithoutUri_IsRecognised()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(XmpPackets.Element("trainedAlgorithmicMedia")));

        Assert.Equal(FindingStrength.ProofOfAiGeneration, Single(Analyze(jpeg), FindingKinds.XmpDigitalSourceType).Strength);
    }

    [Theory]
    [InlineData("trainedAlgorithmicMedia", FindingStrength.ProofOfAiGeneration)]
    [InlineData("compositeWithTrainedAlgorithmicMedia", FindingStrength.ProofOfAiEditing)]
    [InlineData("compositeSynthetic", FindingStrength.ProofOfAiEditing)]
    [InlineData("algorithmicMedia", FindingStrength.SupportingHint)]
    [InlineData("digitalCapture", FindingStrength.NeutralFact)]
    [InlineData("computationalCapture", FindingStrength.NeutralFact)]
    [InlineData("negativeFilm", FindingStrength.NeutralFact)]
    [InlineData("positiveFilm", FindingStrength.NeutralFact)]
    [InlineData("print", FindingStrength.NeutralFact)]
    [InlineData("humanEdits", FindingStrength.NeutralFact)]
    [InlineData("minorHumanEdits", FindingStrength.NeutralFact)]
    [InlineData("algorithmicallyEnhanced", FindingStrength.NeutralFact)]
    [InlineData("digitalCreation", FindingStrength.NeutralFact)]
    [InlineData("digitalArt", FindingStrength.NeutralFact)]
    [InlineData("softwareImage", FindingStrength.NeutralFact)]
    [InlineData("dataDrivenMedia", FindingStrength.NeutralFact)]
    [InlineData("screenCapture", FindingStrength.NeutralFact)]
    [InlineData("virtualRecording", FindingStrength.NeutralFact)]
    [InlineData("composite", FindingStrength.NeutralFact)]
    [InlineData("compositeCapture", FindingStrength.NeutralFact)]
    public void EveryIptcTerm_HasItsMeaning(string term, FindingStrength expected)
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(XmpPackets.Resource("http://cv.iptc.org/newscodes/digitalsourcetype/" + term)));

        Finding dst = Single(Analyze(jpeg), FindingKinds.XmpDigitalSourceType);

        Assert.Equal(expected, dst.Strength);
        Assert.Equal(term, dst.ValueOf("term"));
        Assert.DoesNotContain("outside the IPTC vocabulary", dst.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Dtd_IsRefusedAsMalformed()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(XmpPackets.WithDtd()));

        EvidenceReport report = Analyze(jpeg);

        Finding malformed = Single(report, FindingKinds.XmpMalformed);
        Assert.Contains("DTD", malformed.Summary, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void NotWellFormed_IsMalformedButEarlierFieldsKept()
    {
        string broken = XmpPackets.Element(JumbfBuilder.TrainedAlgorithmicMedia).Replace("</rdf:RDF>", "</rdf:Bogus>", StringComparison.Ordinal);
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(broken));

        EvidenceReport report = Analyze(jpeg);

        Single(report, FindingKinds.XmpMalformed);
        Single(report, FindingKinds.XmpDigitalSourceType);
    }

    [Fact]
    public void OverCap_IsNotParsed()
    {
        string packet = XmpPackets.Element(JumbfBuilder.TrainedAlgorithmicMedia) + new string(' ', 5000);
        byte[] png = PngBuilder.Small(b => b.InternationalText("XML:com.adobe.xmp", packet));

        EvidenceReport report = Analyze(png, options: new EvidenceOptions { MaxXmpBytes = 2000 });

        Assert.Contains("cap", Single(report, FindingKinds.XmpMalformed).Summary, StringComparison.Ordinal);
        None(report, FindingKinds.XmpDigitalSourceType);
    }

    [Fact]
    public void DeepNesting_StopsAtLimit()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(XmpPackets.DeeplyNested(5000)));

        EvidenceReport report = Analyze(jpeg);

        Assert.Contains("deeper than", Single(report, FindingKinds.XmpMalformed).Summary, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Jpeg_ExtendedXmpInTwoParts_IsReassembled()
    {
        byte[] packet = Encoding.UTF8.GetBytes(XmpPackets.Element(JumbfBuilder.TrainedAlgorithmicMedia));
        int half = packet.Length / 2;
        byte[] jpeg = JpegBuilder.Simple(b => b.App(1, Extended(packet.Length, half, packet[half..])).App(1, Extended(packet.Length, 0, packet[..half])));

        Finding dst = Single(Analyze(jpeg), FindingKinds.XmpDigitalSourceType);

        Assert.StartsWith("APP1 extended XMP", dst.Location.Segment, StringComparison.Ordinal);
    }

    [Fact]
    public void Jpeg_ExtendedXmpWithGiantDeclaredLength_IsNotAllocated()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.App(1, Extended(0x7FFFFFFF, 0, [1, 2, 3])));

        EvidenceReport report = Analyze(jpeg);

        Assert.Contains("more than the file holds", Single(report, FindingKinds.XmpMalformed).Summary, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void UnknownContainer_RawPacketIsFound()
    {
        byte[] gif = [.. "GIF89a"u8.ToArray(), 1, 0, 1, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(XmpPackets.Resource(JumbfBuilder.TrainedAlgorithmicMedia)), 0x3B];

        Finding dst = Single(Analyze(gif), FindingKinds.XmpDigitalSourceType);

        Assert.Equal("raw XMP", dst.Location.Segment);
    }

    private static byte[] Extended(int fullLength, int offset, byte[] part)
    {
        byte[] header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, fullLength);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), offset);
        return [.. Encoding.ASCII.GetBytes("http://ns.adobe.com/xmp/extension/\0"), .. Encoding.ASCII.GetBytes("0123456789ABCDEF0123456789ABCDEF"), .. header, .. part];
    }

    [Fact]
    public void DigImageGuid_IsANeutralFactWithItsValue()
    {
        const string guid = "8f1c2a9e-3b4d-4e5f-9a0b-1c2d3e4f5a6b";
        string packet = IptcExtPacket($"<Iptc4xmpExt:DigImageGUID>{guid}</Iptc4xmpExt:DigImageGUID>\n");
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(packet));
        int app1 = jpeg.AsSpan().IndexOf("http://ns.adobe.com/xap/1.0/\0"u8) - 4;

        EvidenceReport report = Analyze(jpeg);

        Finding f = Any(report, FindingKinds.XmpPacket, f => f.ValueOf("field") == "Iptc4xmpExt:DigImageGUID");
        Assert.Equal(FindingStrength.NeutralFact, f.Strength);
        Assert.Equal(guid, f.ValueOf("value"));
        Assert.Equal($"XMP image GUID {guid} (Midjourney and others write one).", f.Summary);
        Assert.Equal("APP1 XMP", f.Location.Segment);
        Assert.Equal(app1, f.Location.Offset);
        Assert.Equal("1", Any(report, FindingKinds.XmpPacket, f => f.ValueOf("relevant_fields") is not null).ValueOf("relevant_fields"));
        None(report, FindingKinds.XmpAiSystem);
        Assert.Null(report.ComposeVerdict().SyntheticLikelihood);
    }

    [Theory]
    [InlineData("element")]
    [InlineData("attribute")]
    public void AiSystemUsedWithVersion_IsOneHintNamingSystemAndVersion(string form)
    {
        string fields = form == "element"
            ? "<Iptc4xmpExt:AISystemUsed>Midjourney</Iptc4xmpExt:AISystemUsed>\n<Iptc4xmpExt:AISystemVersionUsed>6.1</Iptc4xmpExt:AISystemVersionUsed>\n"
            : string.Empty;
        string attributes = form == "attribute" ? " Iptc4xmpExt:AISystemVersionUsed=\"6.1\" Iptc4xmpExt:AISystemUsed=\"Midjourney\"" : string.Empty;
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(IptcExtPacket(fields, attributes)));

        EvidenceReport report = Analyze(jpeg);

        Finding f = Single(report, FindingKinds.XmpAiSystem);
        Assert.Equal(FindingStrength.SupportingHint, f.Strength);
        Assert.Equal("XMP metadata names the AI system used: Midjourney (version 6.1).", f.Summary);
        Assert.Equal("Iptc4xmpExt:AISystemUsed", f.ValueOf("field"));
        Assert.Equal("Midjourney", f.ValueOf("value"));
        Assert.Equal("6.1", f.ValueOf("version"));
        Assert.Equal(form, f.ValueOf("form"));
        Assert.Equal("APP1 XMP", f.Location.Segment);
        Assert.Equal("2", Any(report, FindingKinds.XmpPacket, f => f.ValueOf("relevant_fields") is not null).ValueOf("relevant_fields"));

        // One declaration, one hint: 1 - 0.8.
        Assert.Equal(0.2, report.ComposeVerdict().SyntheticLikelihood!.Value, 6);
    }

    [Fact]
    public void AiSystemVersionUsedAlone_IsAHintThatSaysTheSystemIsNotNamed()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(IptcExtPacket("<Iptc4xmpExt:AISystemVersionUsed>2.0</Iptc4xmpExt:AISystemVersionUsed>\n")));

        EvidenceReport report = Analyze(jpeg);

        Finding f = Single(report, FindingKinds.XmpAiSystem);
        Assert.Equal(FindingStrength.SupportingHint, f.Strength);
        Assert.Equal("XMP metadata gives the version of the AI system used, 2.0, without naming the system.", f.Summary);
        Assert.Equal("Iptc4xmpExt:AISystemVersionUsed", f.ValueOf("field"));
        Assert.Equal("2.0", f.ValueOf("value"));
        Assert.Null(f.ValueOf("version"));
        Assert.Equal("element", f.ValueOf("form"));
    }

    [Fact]
    public void AiSystemUsedAlone_IsAHintWithoutVersion()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Xmp(IptcExtPacket("<Iptc4xmpExt:AISystemUsed>Adobe Firefly</Iptc4xmpExt:AISystemUsed>\n")));

        Finding f = Single(Analyze(jpeg), FindingKinds.XmpAiSystem);

        Assert.Equal("XMP metadata names the AI system used: Adobe Firefly.", f.Summary);
        Assert.Equal("Adobe Firefly", f.ValueOf("value"));
        Assert.Null(f.ValueOf("version"));
    }

    /// <summary>An XMP packet whose rdf:Description holds these IPTC extension elements and attributes.</summary>
    private static string IptcExtPacket(string elements, string attributes = "")
        => "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
        + $"<rdf:Description rdf:about=\"\" xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"{attributes}>\n{elements}</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>";
}
