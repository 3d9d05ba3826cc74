namespace Detector.Evidence.Model;

/// <summary>Stable identifiers for <see cref="Finding.Kind"/>; the service maps them as strings.</summary>
public static class FindingKinds
{
    public const string ContainerFormat = "file.container";
    public const string ContainerStructure = "file.structure";
    public const string JpegQuality = "jpeg.quality";
    public const string JpegPhotoshopSegment = "jpeg.app13_photoshop";
    public const string JpegMultipleImages = "jpeg.multiple_soi_eoi";
    public const string TrailingData = "file.trailing_data";
    public const string ExifCamera = "exif.camera";
    public const string ExifSoftware = "exif.software";
    public const string ExifGeneratorSoftware = "exif.generator_software";
    public const string ExifEditingSoftware = "exif.editing_software";
    public const string ExifThumbnail = "exif.thumbnail";
    public const string ExifMalformed = "exif.malformed";

    public const string C2paManifest = "c2pa.manifest";
    public const string C2paAiSourceType = "c2pa.ai_source_type";
    public const string C2paAction = "c2pa.action";
    public const string C2paSignature = "c2pa.signature";
    public const string C2paMalformed = "c2pa.malformed";
    public const string JumbfOther = "jumbf.other";

    public const string XmpPacket = "xmp.packet";
    public const string XmpDigitalSourceType = "xmp.digital_source_type";
    public const string XmpAiSystem = "xmp.ai_system_used";
    public const string XmpRemoteManifest = "xmp.remote_manifest";
    public const string XmpCreatorTool = "xmp.creator_tool";
    public const string XmpMalformed = "xmp.malformed";

    public const string GeneratorParameters = "generator.parameters";
    public const string GeneratorHint = "generator.hint";
    public const string GeneratorMalformed = "generator.malformed";
    public const string PngText = "png.text";
    public const string StealthPayload = "generator.stealth_payload";
    public const string StealthNotExamined = "generator.stealth_not_examined";

    public const string Watermark = "watermark.dwtdct";
    public const string PerceptualHash = "hash.pdq";

    public const string ExtractorFailed = "extractor.failed";
    public const string InputNotExamined = "input.not_examined";
}
