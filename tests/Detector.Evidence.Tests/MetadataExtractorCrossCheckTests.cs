using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Detector.Evidence.Tests;

/// <summary>
/// Cross-check of the EXIF facts (Make, Model, Software, thumbnail) against MetadataExtractor, an independent reader,
/// on files written by an independent writer (ImageSharp's EXIF encoder) and by the tests' own TIFF builder in both byte
/// orders. ../shared/data holds no EXIF, so the files are made here.
/// </summary>
public sealed class MetadataExtractorCrossCheckTests
{
    private sealed record ExifFacts(string? Make, string? Model, string? Software, bool Thumbnail);

    public static TheoryData<string> Files() => new(Cases.Keys);

    private static readonly Dictionary<string, Func<byte[]>> Cases = new()
    {
        ["imagesharp-jpeg-camera"] = () => WithImageSharp(new JpegEncoder { Quality = 90 }, ("Make", "FUJIFILM"), ("Model", "X-T5"), ("Software", "Digital Camera X-T5 Ver2.10")),
        ["imagesharp-jpeg-editor"] = () => WithImageSharp(new JpegEncoder { Quality = 80 }, ("Software", "Adobe Photoshop 25.0 (Windows)")),
        ["imagesharp-jpeg-generator"] = () => WithImageSharp(new JpegEncoder(), ("Make", "Stability AI"), ("Software", "ComfyUI")),
        ["imagesharp-png-exif-chunk"] = () => WithImageSharp(new PngEncoder(), ("Make", "Apple"), ("Model", "iPhone 15 Pro"), ("Software", "17.4.1")),
        ["builder-big-endian"] = () => JpegBuilder.Simple(b => b.Exif(new TiffBuilder(littleEndian: false).Ascii(0x010F, "Canon").Ascii(0x0110, "Canon EOS R5").Ascii(0x0131, "Firmware 1.8").Build())),
        ["builder-thumbnail"] = () => JpegBuilder.Simple(b => b.Exif(new TiffBuilder().Ascii(0x010F, "NIKON CORPORATION").Ascii(0x0110, "NIKON Z 8").Thumbnail(JpegBuilder.Simple(width: 160, height: 120)).Build()), width: 640, height: 480),
        ["no-exif"] = () => JpegBuilder.Simple(),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void ExifFacts_AgreeWithMetadataExtractor(string name)
    {
        byte[] file = Cases[name]();

        ExifFacts ours = FromEvidence(EvidenceAnalyzer.Analyze(file, null));
        ExifFacts theirs = FromMetadataExtractor(file);

        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void Cases_CoverEveryFieldAndTheThumbnail()
    {
        ExifFacts[] all = [.. Cases.Values.Select(make => FromMetadataExtractor(make()))];

        Assert.Contains(all, f => f.Make is not null && f.Model is not null && f.Software is not null);
        Assert.Contains(all, f => f.Thumbnail);
        Assert.Contains(all, f => f == new ExifFacts(null, null, null, false));
    }

    private static byte[] WithImageSharp(SixLabors.ImageSharp.Formats.IImageEncoder encoder, params (string Tag, string Value)[] tags)
    {
        using Image<Rgb24> image = new(96, 64, new Rgb24(90, 140, 200));
        ExifProfile profile = new();
        foreach ((string tag, string value) in tags)
        {
            switch (tag)
            {
                case "Make": profile.SetValue(ExifTag.Make, value); break;
                case "Model": profile.SetValue(ExifTag.Model, value); break;
                case "Software": profile.SetValue(ExifTag.Software, value); break;
                default: throw new ArgumentException(tag);
            }
        }

        image.Metadata.ExifProfile = profile;
        using MemoryStream stream = new();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static ExifFacts FromEvidence(EvidenceReport report)
    {
        Finding? camera = report.Findings.FirstOrDefault(f => f.Kind == FindingKinds.ExifCamera);
        Finding? software = report.Findings.FirstOrDefault(f => f.Kind is FindingKinds.ExifSoftware or FindingKinds.ExifGeneratorSoftware or FindingKinds.ExifEditingSoftware);
        return new ExifFacts(camera?.ValueOf("make"), camera?.ValueOf("model"), software?.ValueOf("software"), report.Findings.Any(f => f.Kind == FindingKinds.ExifThumbnail));
    }

    private static ExifFacts FromMetadataExtractor(byte[] file)
    {
        using MemoryStream stream = new(file);
        IReadOnlyList<MetadataExtractor.Directory> directories = ImageMetadataReader.ReadMetadata(stream);
        ExifIfd0Directory? ifd0 = directories.OfType<ExifIfd0Directory>().FirstOrDefault();
        ExifThumbnailDirectory? thumbnail = directories.OfType<ExifThumbnailDirectory>().FirstOrDefault();
        return new ExifFacts(
            Clean(ifd0?.GetString(ExifDirectoryBase.TagMake)),
            Clean(ifd0?.GetString(ExifDirectoryBase.TagModel)),
            Clean(ifd0?.GetString(ExifDirectoryBase.TagSoftware)),
            thumbnail is not null && thumbnail.ContainsTag(ExifThumbnailDirectory.TagThumbnailOffset) && thumbnail.ContainsTag(ExifThumbnailDirectory.TagThumbnailLength));
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.TrimEnd('\0', ' ');
}
