using System.Text;
using Detector.Evidence.Tests.Builders;

namespace Detector.Evidence.Tests;

/// <summary>Valid files exercising every extractor; the seeds for mutation tests and the SharpFuzz corpus.</summary>
public static class FuzzCorpus
{
    public static IReadOnlyList<(string Name, byte[] Bytes)> Files { get; } = Build();

    private static List<(string, byte[])> Build()
    {
        string a1111 = "a lighthouse, 灯台\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x64, Model: sd15";
        string comfy = """{"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 8, "sampler_name": "euler", "positive": ["6", 0], "negative": ["7", 0], "model": ["4", 0]}}, "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}}, "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "cat"}}, "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "dog"}}}""";
        byte[] tiff = new TiffBuilder().Ascii(0x010F, "Canon").Ascii(0x0131, "GIMP 2.10").UserCommentUnicode(a1111, bigEndian: true).Thumbnail(JpegBuilder.Simple(width: 16, height: 12)).Build();
        byte[] stealthPayload = PngBuilder.Gzip(Encoding.UTF8.GetBytes(StealthBuilder.NovelAiJson("1girl", "lowres", 7)));
        bool[] bits = StealthBuilder.Bits("stealth_pngcomp", stealthPayload);
        return
        [
            ("c2pa-xmp-exif.jpg", JpegBuilder.Simple(b => b.Exif(tiff).Xmp(XmpPackets.Full(JumbfBuilder.TrainedAlgorithmicMedia, "Imagen", "https://example.invalid/m", "Google AI")).App(13, "Photoshop 3.0\08BIM"u8.ToArray()).Jumbf(JumbfBuilder.AiStore(), maxBoxBytesPerSegment: 300))),
            ("text-cabx.png", PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("Firefly", JumbfBuilder.CompositeWithTrained, v2: true)).Text("parameters", a1111, Encoding.UTF8).CompressedText("prompt", comfy).InternationalText("XML:com.adobe.xmp", XmpPackets.Resource(JumbfBuilder.TrainedAlgorithmicMedia), compressed: true).InternationalText("Comment", "{\"uc\": \"x\", \"seed\": 1, \"sampler\": \"k\"}").Chunk("eXIf", tiff))),
            ("stealth.png", PngBuilder.Image(24, 80, StealthBuilder.RgbaWithAlphaBits(24, 80, bits), alpha: true, filters: [0, 1, 2, 3, 4])),
            ("c2pa-exif-xmp.webp", RiffBuilder.WebP(("C2PA", JumbfBuilder.AiStore()), ("EXIF", tiff), ("XMP ", Encoding.UTF8.GetBytes(XmpPackets.Element(JumbfBuilder.TrainedAlgorithmicMedia))))),
        ];
    }
}
