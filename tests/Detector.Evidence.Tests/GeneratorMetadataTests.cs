using System.Text;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

public class GeneratorMetadataTests
{
    private const string A1111 = "masterpiece, a lighthouse at dusk, 灯台, café\nwith waves\nNegative prompt: blurry, lowres\nsecond negative line\n"
        + "Steps: 28, Sampler: DPM++ 2M Karras, Schedule type: Karras, CFG scale: 7.5, Seed: 1234567890, Size: 512x768, Model hash: abcdef1234, Model: dreamshaper_8, "
        + "Lora hashes: \"detail: 1a2b, style: 3c4d\", Version: v1.10.1";

    [Fact]
    public void Png_A1111ParametersInItxt_ParsesUtf8PromptAndParameters()
    {
        byte[] png = PngBuilder.Small(b => b.InternationalText("parameters", A1111));

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.GeneratorParameters);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
        Assert.Equal("masterpiece, a lighthouse at dusk, 灯台, café\nwith waves", f.ValueOf("prompt"));
        Assert.Equal("blurry, lowres\nsecond negative line", f.ValueOf("negative_prompt"));
        Assert.Equal("dreamshaper_8", f.ValueOf("model"));
        Assert.Equal("1234567890", f.ValueOf("seed"));
        Assert.Equal("DPM++ 2M Karras", f.ValueOf("sampler"));
        Assert.Equal("28", f.ValueOf("steps"));
        Assert.Equal("7.5", f.ValueOf("cfg"));
        Assert.Equal("detail: 1a2b, style: 3c4d", f.ValueOf("param: Lora hashes"));
        Assert.Contains("AUTOMATIC1111", f.ValueOf("generator"), StringComparison.Ordinal);
        Assert.Equal("iTXt 'parameters'", f.Location.Segment);
        Assert.Equal(33, f.Location.Offset);
        Assert.Equal("PNG iTXt chunk 'parameters' holds AUTOMATIC1111 Stable Diffusion WebUI (v1.10.1) generation parameters (model dreamshaper_8, seed 1234567890).", f.Summary);
    }

    [Fact]
    public void Png_A1111InTextChunkWrittenAsUtf8_DecodesUtf8()
    {
        byte[] png = PngBuilder.Small(b => b.Text("parameters", A1111, Encoding.UTF8));

        Assert.StartsWith("masterpiece, a lighthouse at dusk, 灯台, café", Single(Analyze(png), FindingKinds.GeneratorParameters).ValueOf("prompt"), StringComparison.Ordinal);
    }

    [Fact]
    public void Png_A1111InZtxt_IsInflated()
    {
        byte[] png = PngBuilder.Small(b => b.CompressedText("parameters", "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("42", f.ValueOf("seed"));
        Assert.Equal("a cat", f.ValueOf("prompt"));
    }

    [Fact]
    public void Png_CompressedItxt_IsInflated()
    {
        byte[] png = PngBuilder.Small(b => b.InternationalText("parameters", "ein Hund\nSteps: 20, Sampler: Euler, Seed: 7", compressed: true));

        Assert.Equal("ein Hund", Single(Analyze(png), FindingKinds.GeneratorParameters).ValueOf("prompt"));
    }

    [Fact]
    public void Png_A1111Inpainting_IsProofOfAiEditing()
    {
        byte[] png = PngBuilder.Small(b => b.Text("parameters", "face\nSteps: 20, Sampler: Euler, Seed: 7, Denoising strength: 0.75, Mask blur: 4"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal(FindingStrength.ProofOfAiEditing, f.Strength);
        Assert.Contains("inpainting", f.ValueOf("mode"), StringComparison.Ordinal);
    }

    [Fact]
    public void Png_ParametersWithoutStructure_IsOnlyPlainText()
    {
        byte[] png = PngBuilder.Small(b => b.Text("parameters", "just a caption"));

        EvidenceReport report = Analyze(png);

        None(report, FindingKinds.GeneratorParameters);
        NoneWithStrength(report, FindingStrength.ProofOfAiGeneration);
    }

    [Fact]
    public void Png_ComfyUiPromptGraph_ResolvesPromptsSeedAndModel()
    {
        string graph = """
            {"3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8, "sampler_name": "euler", "scheduler": "normal", "denoise": 1,
                   "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery nature glass bottle landscape, purple galaxy bottle,", "clip": ["4", 1]}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}}}
            """;
        byte[] png = PngBuilder.Small(b => b.Text("prompt", graph).Text("workflow", "{\"nodes\": [{\"type\": \"KSampler\"}]}"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("ComfyUI", f.ValueOf("generator"));
        Assert.Equal("beautiful scenery nature glass bottle landscape, purple galaxy bottle,", f.ValueOf("prompt"));
        Assert.Equal("text, watermark", f.ValueOf("negative_prompt"));
        Assert.Equal("156680208700286", f.ValueOf("seed"));
        Assert.Equal("v1-5-pruned-emaonly.safetensors", f.ValueOf("model"));
        Assert.Equal("euler", f.ValueOf("sampler"));
        Assert.Equal("20", f.ValueOf("steps"));
        Assert.Equal("8", f.ValueOf("cfg"));
        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
    }

    [Fact]
    public void Png_ComfyUiInpaintGraph_IsProofOfAiEditing()
    {
        string graph = """
            {"1": {"class_type": "LoadImage", "inputs": {"image": "photo.png"}},
             "2": {"class_type": "VAEEncodeForInpaint", "inputs": {"pixels": ["1", 0]}},
             "3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20, "positive": ["4", 0]}},
             "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "a hat"}}}
            """;
        byte[] png = PngBuilder.Small(b => b.Text("prompt", graph));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal(FindingStrength.ProofOfAiEditing, f.Strength);
        Assert.Equal("photo.png", f.ValueOf("input_image"));
    }

    [Fact]
    public void Png_ComfyUiGraphWhoseNodeLinksToItselfOnEveryTextInput_StaysLinearAndKeepsOtherProof()
    {
        // Node 1 links back to itself through each of the 11 inputs the prompt resolver follows: a naive depth-limited
        // walk makes 11^13 calls; the other chunk's parameters must not be lost to the time budget.
        string selfLinks = string.Join(", ", new[] { "text", "text_g", "t5xxl", "clip_l", "prompt", "conditioning", "conditioning_1", "conditioning_to", "positive", "string", "value" }.Select(k => $"\"{k}\": [\"1\", 0]"));
        string graph = "{\"1\": {\"class_type\": \"ConditioningCombine\", \"inputs\": {" + selfLinks + "}},"
            + " \"2\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": 5, \"steps\": 20, \"positive\": [\"1\", 0], \"negative\": [\"1\", 0]}}}";
        byte[] png = PngBuilder.Small(b => b.Text("parameters", A1111).Text("prompt", graph));

        EvidenceReport report = Analyze(png);

        AllExtractorsCompleted(report);
        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.GeneratorParameters && f.ValueOf("seed") == "1234567890");
        Finding comfy = Any(report, FindingKinds.GeneratorParameters, f => f.ValueOf("generator") == "ComfyUI");
        Assert.Null(comfy.ValueOf("prompt"));
    }

    [Fact]
    public void Png_InvokeAiMetadata_IsParsed()
    {
        string json = """{"generation_mode": "txt2img", "positive_prompt": "a fox", "negative_prompt": "ugly", "width": 1024, "height": 1024, "seed": 99, "steps": 30, "cfg_scale": 6.5, "scheduler": "euler", "model": {"name": "sdxl-base", "base": "sdxl"}, "app_version": "4.2.0"}""";
        byte[] png = PngBuilder.Small(b => b.Text("invokeai_metadata", json).Text("invokeai_graph", "{}"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("InvokeAI 4.2.0", f.ValueOf("generator"));
        Assert.Equal("a fox", f.ValueOf("prompt"));
        Assert.Equal("sdxl-base", f.ValueOf("model"));
        Assert.Equal("99", f.ValueOf("seed"));
    }

    [Fact]
    public void Png_InvokeAiLegacyDream_IsParsed()
    {
        byte[] png = PngBuilder.Small(b => b.Text("Dream", "\"a red car\" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("a red car", f.ValueOf("prompt"));
        Assert.Equal("42", f.ValueOf("seed"));
        Assert.Equal("k_lms", f.ValueOf("sampler"));
    }

    [Fact]
    public void Png_NovelAiTextChunks_AreParsed()
    {
        string comment = """{"prompt": "1girl, 猫耳", "steps": 28, "height": 1216, "width": 832, "scale": 5.0, "seed": 3141592, "sampler": "k_euler_ancestral", "uc": "lowres, bad anatomy", "request_type": "PromptGenerateRequest"}""";
        byte[] png = PngBuilder.Small(b => b.Text("Title", "AI generated image").InternationalText("Description", "1girl, 猫耳").Text("Software", "NovelAI").Text("Source", "NovelAI Diffusion V3 7BCCAA2C").InternationalText("Comment", comment));

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.GeneratorParameters);
        Assert.Equal("NovelAI", f.ValueOf("generator"));
        Assert.Equal("1girl, 猫耳", f.ValueOf("prompt"));
        Assert.Equal("lowres, bad anatomy", f.ValueOf("negative_prompt"));
        Assert.Equal("3141592", f.ValueOf("seed"));
        Assert.Equal("NovelAI Diffusion V3 7BCCAA2C", f.ValueOf("model"));
        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
    }

    [Fact]
    public void Png_FooocusJsonParameters_AreParsed()
    {
        string json = """{"Prompt": "a castle", "Negative Prompt": "", "Styles": "['Fooocus V2']", "Performance": "Speed", "Resolution": "(1152, 896)", "Guidance Scale": 4, "Base Model": "juggernautXL_v8Rundiffusion.safetensors", "Sampler": "dpmpp_2m_sde_gpu", "Scheduler": "karras", "Seed": "12345", "Version": "Fooocus v2.3.1"}""";
        byte[] png = PngBuilder.Small(b => b.Text("parameters", json).Text("fooocus_scheme", "fooocus"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("Fooocus v2.3.1", f.ValueOf("generator"));
        Assert.Equal("juggernautXL_v8Rundiffusion.safetensors", f.ValueOf("model"));
        Assert.Equal("12345", f.ValueOf("seed"));
        Assert.Equal("4", f.ValueOf("cfg"));
    }

    [Fact]
    public void Png_MidjourneyDescription_IsHint()
    {
        byte[] png = PngBuilder.Small(b => b.Text("Description", "a sunset --ar 16:9 Job ID: 5c1ff3d4-8d2c-4c58-9b8e-1c2d3e4f5a6b").Text("Author", "someone"));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorHint);

        Assert.Equal(FindingStrength.SupportingHint, f.Strength);
        Assert.StartsWith("5c1ff3d4", f.ValueOf("job_id"), StringComparison.Ordinal);
    }

    [Fact]
    public void Png_ZtxtZipBomb_IsCappedAndReportedMalformed()
    {
        byte[] png = PngBuilder.Small(b => b.CompressedText("parameters", new byte[64 * 1024 * 1024]));

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.GeneratorMalformed);
        Assert.Contains("zip bomb", f.Summary, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Png_CorruptZtxt_IsMalformed()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("zTXt", [.. "parameters"u8.ToArray(), 0, 0, 0x78, 0x9C, 0xFF, 0xFF, 0xFF]));

        Assert.Contains("corrupt", Single(Analyze(png), FindingKinds.GeneratorMalformed).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Png_ZtxtAskingForPresetDictionary_IsCorruptNotAFailure()
    {
        // Regression (found by AFL++): a zlib header with the FDICT flag made ZLibException escape the extractor.
        byte[] fdict = [0x78, 0x20, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00];
        byte[] png = PngBuilder.Small(b => b.Chunk("zTXt", [.. "parameters"u8.ToArray(), 0, 0, .. fdict]).Chunk("iTXt", [.. "XML:com.adobe.xmp"u8.ToArray(), 0, 1, 0, 0, 0, .. fdict]));

        EvidenceReport report = Analyze(png);

        Assert.Contains("corrupt", Single(report, FindingKinds.GeneratorMalformed).Summary, StringComparison.Ordinal);
        Single(report, FindingKinds.XmpMalformed);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Png_TextWithBadCrc_IsStillReadAndCrcReported()
    {
        byte[] png = PngBuilder.Small(b => b.Text("parameters", "x\nSteps: 20, Sampler: Euler, Seed: 1", badCrc: true));

        EvidenceReport report = Analyze(png);

        Single(report, FindingKinds.GeneratorParameters);
        Assert.Contains("bad CRC", Single(report, FindingKinds.ContainerStructure).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Png_OtherText_IsNeutralFact()
    {
        byte[] png = PngBuilder.Small(b => b.Text("Copyright", "someone"));

        Finding f = Single(Analyze(png), FindingKinds.PngText);

        Assert.Equal(FindingStrength.NeutralFact, f.Strength);
        Assert.Equal("someone", f.ValueOf("value"));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Jpeg_UserCommentUnicodeInEitherByteOrder_IsParsed(bool bigEndian, bool tiffLittleEndian)
    {
        byte[] tiff = new TiffBuilder(tiffLittleEndian).Ascii(0x0131, "Photo tool").UserCommentUnicode("a dog, Straße\nSteps: 25, Sampler: Euler a, CFG scale: 6, Seed: 777, Size: 512x512, Model: sdxl", bigEndian).Build();
        byte[] jpeg = JpegBuilder.Simple(b => b.Exif(tiff));

        Finding f = Single(Analyze(jpeg), FindingKinds.GeneratorParameters);

        Assert.Equal("a dog, Straße", f.ValueOf("prompt"));
        Assert.Equal("777", f.ValueOf("seed"));
        Assert.Contains(bigEndian ? "UTF-16BE" : "UTF-16LE", f.ValueOf("source"), StringComparison.Ordinal);
        Assert.Equal("APP1 EXIF UserComment", f.Location.Segment);
    }

    [Fact]
    public void WebP_ExifUserCommentFooocusJson_IsParsed()
    {
        byte[] tiff = new TiffBuilder().UserCommentUnicode("""{"Prompt": "a tree", "Seed": 5, "Base Model": "sdxl.safetensors", "Sampler": "euler", "Version": "Fooocus v2.5.0"}""", bigEndian: true).ExifUndefined(0x927C, "fooocus"u8.ToArray()).Build();
        byte[] webp = RiffBuilder.WebP(("EXIF", tiff));

        EvidenceReport report = Analyze(webp);

        Assert.Equal("Fooocus v2.5.0", Single(report, FindingKinds.GeneratorParameters).ValueOf("generator"));
        Assert.Equal("Fooocus", Single(report, FindingKinds.GeneratorHint).ValueOf("generator"));
    }

    [Fact]
    public void Png_InvokeAiLegacySdMetadata_IsProofWithItsParameters()
    {
        // InvokeAI 2.x (RFC 266 layout): one "image" object, the prompt as weighted sub-prompts.
        const string json = """{"model": "stable diffusion", "model_weights": "stable-diffusion-1.5", "model_hash": "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516", "app_id": "invoke-ai/InvokeAI", "app_version": "2.2.5", "image": {"prompt": [{"prompt": "a lighthouse at dusk", "weight": 1.0}], "steps": 50, "cfg_scale": 7.5, "threshold": 0, "perlin": 0, "height": 512, "width": 512, "seed": 3357757885, "seamless": false, "hires_fix": false, "type": "txt2img", "postprocessing": null, "sampler": "k_lms", "variations": []}}""";
        byte[] png = PngBuilder.Small(b => b.Text("sd-metadata", json));
        int chunk = IndexOf(png, "tEXtsd-metadata"u8) - 4;

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.GeneratorParameters);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
        Assert.Equal("PNG tEXt chunk 'sd-metadata' holds InvokeAI generation parameters (model stable-diffusion-1.5, seed 3357757885).", f.Summary);
        Assert.Equal("PNG tEXt chunk 'sd-metadata'", f.ValueOf("source"));
        Assert.Equal("InvokeAI (legacy sd-metadata)", f.ValueOf("generator"));
        Assert.Equal("a lighthouse at dusk", f.ValueOf("prompt"));
        Assert.Equal("stable-diffusion-1.5", f.ValueOf("model"));
        Assert.Equal("3357757885", f.ValueOf("seed"));
        Assert.Equal("k_lms", f.ValueOf("sampler"));
        Assert.Equal("50", f.ValueOf("steps"));
        Assert.Equal("7.5", f.ValueOf("cfg"));
        Assert.Equal("txt2img", f.ValueOf("mode"));
        Assert.Equal("tEXt 'sd-metadata'", f.Location.Segment);
        Assert.Equal(chunk, f.Location.Offset);
        None(report, FindingKinds.PngText);
    }

    [Fact]
    public void Png_InvokeAiLegacySdMetadata_PlainPromptString_IsRead()
    {
        const string json = """{"model_weights": "sd-v1-4", "image": {"prompt": "an old bicycle", "seed": 42, "steps": 30, "cfg_scale": 7, "sampler": "ddim", "type": "img2img", "strength": 0.75}}""";
        byte[] png = PngBuilder.Small(b => b.InternationalText("sd-metadata", json, compressed: true));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("an old bicycle", f.ValueOf("prompt"));
        Assert.Equal("42", f.ValueOf("seed"));
        Assert.Equal("img2img", f.ValueOf("mode"));
        Assert.Equal("iTXt 'sd-metadata'", f.Location.Segment);
    }

    [Theory]
    [InlineData("\"init_mask\": \"outputs/mask-000042.png\"")]
    [InlineData("\"mask_hash\": \"5e3e4b0b4d6e5a1f\"")]
    public void Png_InvokeAiLegacySdMetadata_Img2ImgWithMask_IsProofOfAiEditing(string mask)
    {
        // InvokeAI 2.x writes an inpainting run as type "img2img" with the mask beside the init image.
        string json = $$$"""{"model_weights": "stable-diffusion-1.5", "image": {"prompt": "a red door", "seed": 42, "steps": 30, "cfg_scale": 7.5, "sampler": "k_lms", "type": "img2img", "init_image_path": "outputs/init.png", {{{mask}}}, "strength": 0.75}}""";
        byte[] png = PngBuilder.Small(b => b.Text("sd-metadata", json));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal(FindingStrength.ProofOfAiEditing, f.Strength);
        Assert.Equal("PNG tEXt chunk 'sd-metadata' holds InvokeAI parameters for AI editing of an input image (model stable-diffusion-1.5, seed 42).", f.Summary);
        Assert.Equal("img2img inpainting (AI repainted a masked region of an input image)", f.ValueOf("mode"));
        Assert.Equal("a red door", f.ValueOf("prompt"));
    }

    [Theory]
    [InlineData("\"init_mask\": \"\"")]
    [InlineData("\"init_mask\": null")]
    [InlineData("\"mask_hash\": \"\"")]
    public void Png_InvokeAiLegacySdMetadata_Img2ImgWithEmptyMask_StaysGeneration(string mask)
    {
        string json = $$$"""{"model_weights": "sd-v1-4", "image": {"prompt": "an old bicycle", "seed": 42, "steps": 30, "type": "img2img", {{{mask}}}, "strength": 0.75}}""";
        byte[] png = PngBuilder.Small(b => b.Text("sd-metadata", json));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
        Assert.Equal("img2img", f.ValueOf("mode"));
    }

    [Fact]
    public void Png_InvokeAiMetadataAndSdMetadata_OnlyTheNewerIsReported()
    {
        byte[] png = PngBuilder.Small(b => b
            .Text("invokeai_metadata", """{"app_version": "3.4.0", "positive_prompt": "a fox", "seed": 7, "steps": 20}""")
            .Text("sd-metadata", """{"image": {"prompt": "other", "seed": 8}}"""));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal("InvokeAI 3.4.0", f.ValueOf("generator"));
        Assert.Equal("7", f.ValueOf("seed"));
    }

    [Fact]
    public void Png_InvokeAiLegacySdMetadata_GridWithImagesArray_ReadsTheFirstImage()
    {
        // InvokeAI 2.x writes "images" (one entry per seed) for a grid, and early versions name the model in "model_id".
        const string json = """{"model": "stable diffusion", "model_id": "stable-diffusion-1.4", "app_id": "lstein/stable-diffusion", "app_version": "v1.15", "images": [{"prompt": [{"prompt": "a red boat", "weight": 1.0}], "steps": 40, "cfg_scale": 7.5, "seed": 101, "sampler": "k_euler_a", "type": "txt2img"}, {"prompt": [{"prompt": "a red boat", "weight": 1.0}], "steps": 40, "cfg_scale": 7.5, "seed": 102, "sampler": "k_euler_a", "type": "txt2img"}]}""";
        byte[] png = PngBuilder.Small(b => b.Text("sd-metadata", json));

        Finding f = Single(Analyze(png), FindingKinds.GeneratorParameters);

        Assert.Equal(FindingStrength.ProofOfAiGeneration, f.Strength);
        Assert.Equal("a red boat", f.ValueOf("prompt"));
        Assert.Equal("101", f.ValueOf("seed"));
        Assert.Equal("40", f.ValueOf("steps"));
        Assert.Equal("k_euler_a", f.ValueOf("sampler"));
        Assert.Equal("stable-diffusion-1.4", f.ValueOf("model"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"app_id": "invoke-ai/InvokeAI", "images": []}""")]
    public void Png_InvokeAiLegacySdMetadata_WithoutParameters_IsOnlyAHint(string json)
    {
        byte[] png = PngBuilder.Small(b => b.Text("sd-metadata", json));

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.GeneratorHint);
        Assert.Equal(FindingStrength.SupportingHint, f.Strength);
        Assert.Equal("PNG tEXt chunk 'sd-metadata' mentions InvokeAI without complete generation parameters (a hint, not proof).", f.Summary);
        None(report, FindingKinds.GeneratorParameters);
    }

    [Fact]
    public void Jpeg_FooocusExifAsPillowWritesIt_InIfd0_ReportsParametersAndSchemeHint()
    {
        // Fooocus fills a top-level PIL Image.Exif(), which Pillow writes entirely into IFD0: UserComment (raw UTF-8, no
        // character-code prefix), Software and MakerNote (the scheme name) all sit there, with no EXIF sub-IFD.
        const string json = """{"Prompt": "a glass teapot", "Negative Prompt": "", "Seed": "424242", "Base Model": "juggernautXL_v8Rundiffusion.safetensors", "Sampler": "dpmpp_2m_sde_gpu", "Guidance Scale": 4, "Version": "Fooocus v2.5.5"}""";
        byte[] tiff = new TiffBuilder().Undefined(0x9286, Encoding.UTF8.GetBytes(json)).Ascii(0x0131, "Fooocus v2.5.5").Undefined(0x927C, "fooocus"u8.ToArray()).Build();
        byte[] jpeg = JpegBuilder.Simple(b => b.Exif(tiff));

        EvidenceReport report = Analyze(jpeg);

        Finding parameters = Single(report, FindingKinds.GeneratorParameters);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, parameters.Strength);
        Assert.Equal("Fooocus v2.5.5", parameters.ValueOf("generator"));
        Assert.Equal("424242", parameters.ValueOf("seed"));
        Assert.Equal("EXIF UserComment (undefined)", parameters.ValueOf("source"));
        Assert.Equal("APP1 EXIF UserComment", parameters.Location.Segment);
        Assert.Equal((byte)'{', jpeg[(int)parameters.Location.Offset!.Value]);
        Finding hint = Single(report, FindingKinds.GeneratorHint);
        Assert.Equal("fooocus", hint.ValueOf("scheme"));
        Assert.Equal("fooocus"u8.ToArray(), jpeg[(int)hint.Location.Offset!.Value..((int)hint.Location.Offset!.Value + 7)]);
    }

    [Theory]
    [InlineData("fooocus")]
    [InlineData("a1111")]
    public void Jpeg_ExifMakerNoteScheme_IsAFooocusHintAtTheValueOffset(string scheme)
    {
        byte[] tiff = new TiffBuilder().Ascii(0x010F, "Canon").ExifUndefined(0x927C, Encoding.ASCII.GetBytes(scheme)).Build();
        byte[] jpeg = JpegBuilder.Simple(b => b.Exif(tiff));

        EvidenceReport report = Analyze(jpeg);

        Finding f = Single(report, FindingKinds.GeneratorHint);
        Assert.Equal(FindingStrength.SupportingHint, f.Strength);
        Assert.Equal($"EXIF MakerNote holds the metadata scheme name '{scheme}', which Fooocus writes.", f.Summary);
        Assert.Equal("Fooocus", f.ValueOf("generator"));
        Assert.Equal(scheme, f.ValueOf("scheme"));
        Assert.Equal("APP1 EXIF MakerNote", f.Location.Segment);
        int at = (int)f.Location.Offset!.Value;
        Assert.Equal(scheme, Encoding.ASCII.GetString(jpeg, at, scheme.Length));
        None(report, FindingKinds.GeneratorParameters);
    }

    [Theory]
    [InlineData("Fooocus")]
    [InlineData("Nikon\0\u0002\u0010\0\0MM\0*\0\0\0\u0008")]
    [InlineData("fooocus-extended-scheme-name")]
    public void Jpeg_ExifMakerNoteOtherThanAScheme_IsNoHint(string escaped)
    {
        string value = System.Text.RegularExpressions.Regex.Unescape(escaped);
        byte[] tiff = new TiffBuilder().ExifUndefined(0x927C, Encoding.Latin1.GetBytes(value)).Build();
        byte[] jpeg = JpegBuilder.Simple(b => b.Exif(tiff));

        None(Analyze(jpeg), FindingKinds.GeneratorHint);
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> pattern)
    {
        int at = data.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, "pattern not found");
        return at;
    }
}
