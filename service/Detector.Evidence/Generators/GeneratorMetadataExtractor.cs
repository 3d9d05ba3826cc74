using System.Globalization;
using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Generators;

/// <summary>
/// Generator metadata: PNG text chunks (tEXt, zTXt, iTXt, read from raw bytes) and EXIF text fields (UserComment in
/// any encoding, ImageDescription, XPComment, MakerNote), parsed into the generator and its key parameters.
/// </summary>
internal sealed class GeneratorMetadataExtractor : IEvidenceExtractor
{
    private const int MaxPlainTextFindings = 32;
    private const int PlainTextPreview = 512;

    public string Name => "generator-metadata";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        if (context.Scan.Format == ContainerFormat.Png)
        {
            ReadPngText(context, sink, budget);
        }

        foreach (ExifBlock block in context.ExifBlocks)
        {
            budget.Check();
            ReadExif(context, block, sink, budget);
        }
    }

    /// <summary>Turns a trace into a finding; shared with the stealth extractor.</summary>
    internal static void Report(FindingSink sink, GeneratorTrace trace, string where, FindingLocation location)
    {
        string summary = trace.Strength switch
        {
            FindingStrength.ProofOfAiGeneration => $"{where} holds {trace.Generator} generation parameters{trace.ShortDetails()}.",
            FindingStrength.ProofOfAiEditing => $"{where} holds {trace.Generator} parameters for AI editing of an input image{trace.ShortDetails()}.",
            _ => $"{where} mentions {trace.Generator} without complete generation parameters (a hint, not proof).",
        };
        string kind = trace.Strength == FindingStrength.SupportingHint ? FindingKinds.GeneratorHint : FindingKinds.GeneratorParameters;
        List<(string, string?)> values = [("source", where), .. trace.Values];
        sink.Add(kind, trace.Strength, summary, location, values);
    }

    private static void ReadPngText(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        Dictionary<string, string> texts = new(StringComparer.Ordinal);
        Dictionary<string, PngTextEntry> entries = new(StringComparer.Ordinal);
        List<PngTextEntry> others = [];
        int totalInflated = 0;
        foreach (ContainerChunk chunk in context.Scan.Chunks)
        {
            budget.Check();
            if (!PngText.IsTextChunk(chunk.Type))
            {
                continue;
            }

            string? keyword = PngText.Keyword(context.Bytes.Span, chunk);
            if (keyword == "XML:com.adobe.xmp")
            {
                continue;
            }

            int allowance = Math.Max(0, Math.Min(context.Options.MaxInflatedBytes, (context.Options.MaxInflatedBytes * 4) - totalInflated));
            PngTextEntry entry = PngText.Decode(context.Bytes, chunk, allowance, budget);
            if (entry.Text is null)
            {
                string name = entry.Keyword.Length == 0 ? "(no keyword)" : entry.Keyword;
                sink.Add(FindingKinds.GeneratorMalformed, FindingStrength.Malformed, $"PNG {chunk.Type} chunk '{name}' at offset {chunk.Offset} could not be read: {entry.Problem}.", context.At($"{chunk.Type} '{name}'", chunk.Offset), ("keyword", entry.Keyword), ("problem", entry.Problem));
                continue;
            }

            totalInflated += entry.Compressed ? entry.Text.Length : 0;
            if (texts.TryAdd(entry.Keyword, entry.Text))
            {
                entries[entry.Keyword] = entry;
            }

            if (!TextSetInterpreter.KnownKeys.Contains(entry.Keyword))
            {
                others.Add(entry);
            }
        }

        if (texts.Count == 0)
        {
            return;
        }

        foreach ((string key, GeneratorTrace trace) in TextSetInterpreter.Interpret(texts, context.Options.MaxStructureDepth, budget))
        {
            PngTextEntry entry = entries[key];
            string where = $"PNG {entry.ChunkType} chunk '{key}'";
            Report(sink, trace, where, context.At($"{entry.ChunkType} '{key}'", entry.ChunkOffset));
        }

        // Software-like fields naming a generator, and the remaining plain texts as facts.
        foreach (string key in new[] { "Software", "Source", "Comment", "Title" })
        {
            if (texts.TryGetValue(key, out string? value) && GeneratorNames.FindGenerator(value) is { } generator && !(key == "Software" && value.Contains("NovelAI", StringComparison.OrdinalIgnoreCase) && texts.ContainsKey("Comment")))
            {
                PngTextEntry entry = entries[key];
                sink.Add(FindingKinds.GeneratorHint, FindingStrength.SupportingHint, $"PNG text '{key}' names an image generator: {Preview(value)} (a weak hint: anyone can write this field).", context.At($"{entry.ChunkType} '{key}'", entry.ChunkOffset), ("keyword", key), ("value", value), ("generator", generator));
            }
        }

        int reported = 0;
        foreach (PngTextEntry entry in others)
        {
            if (reported++ >= MaxPlainTextFindings)
            {
                break;
            }

            sink.Add(FindingKinds.PngText, FindingStrength.NeutralFact, $"PNG {entry.ChunkType} text '{entry.Keyword}': {Preview(entry.Text ?? string.Empty)}", context.At($"{entry.ChunkType} '{entry.Keyword}'", entry.ChunkOffset), ("keyword", entry.Keyword), ("value", entry.Text), ("chunk", entry.ChunkType), ("compressed", entry.Compressed ? "yes" : "no"));
        }
    }

    private static void ReadExif(AnalysisContext context, ExifBlock block, FindingSink sink, WorkBudget budget)
    {
        ReadOnlySpan<byte> tiff = context.Bytes.Span.Slice(block.Offset, block.Length);
        TiffData? data = TiffReader.Read(tiff, budget);
        if (data is null)
        {
            return;
        }

        if (TryGetExifOrIfd0(data, TiffReader.TagUserComment, out TiffValue comment))
        {
            string? text = ExifText.UserComment(tiff.Slice(comment.Offset, comment.Length), data.LittleEndian, out string encoding);
            ReportExifText(context, sink, text, $"EXIF UserComment ({encoding})", block, comment, budget);
        }

        if (data.TryGet("IFD0", TiffReader.TagImageDescription, out TiffValue description))
        {
            string? text = TiffReader.Text(tiff, description);
            if (text is not null && text.Contains("Steps: ", StringComparison.Ordinal))
            {
                ReportExifText(context, sink, text, "EXIF ImageDescription", block, description, budget);
            }
        }

        if (data.TryGet("IFD0", TiffReader.TagXpComment, out TiffValue xp))
        {
            string? text = ExifText.Utf16Le(tiff.Slice(xp.Offset, xp.Length));
            if (text is not null && text.Contains("Steps: ", StringComparison.Ordinal))
            {
                ReportExifText(context, sink, text, "EXIF XPComment", block, xp, budget);
            }
        }

        if (TryGetExifOrIfd0(data, TiffReader.TagMakerNote, out TiffValue makerNote) && makerNote.Length <= 16)
        {
            string scheme = Bytes.Utf8OrLatin1(tiff.Slice(makerNote.Offset, makerNote.Length)).TrimEnd('\0', ' ');
            if (scheme is "fooocus" or "a1111")
            {
                sink.Add(FindingKinds.GeneratorHint, FindingStrength.SupportingHint, $"EXIF MakerNote holds the metadata scheme name '{scheme}', which Fooocus writes.", context.At(block.Segment + " MakerNote", block.Offset + makerNote.Offset), ("generator", "Fooocus"), ("scheme", scheme));
            }
        }
    }

    /// <summary>
    /// An EXIF-IFD tag, or the same tag in IFD0: Fooocus fills a top-level Pillow <c>Image.Exif()</c>, which writes
    /// UserComment and MakerNote into IFD0 with no EXIF sub-IFD.
    /// </summary>
    private static bool TryGetExifOrIfd0(TiffData data, ushort tag, out TiffValue value)
        => data.TryGet("ExifIFD", tag, out value) || data.TryGet("IFD0", tag, out value);

    private static void ReportExifText(AnalysisContext context, FindingSink sink, string? text, string where, ExifBlock block, TiffValue value, WorkBudget budget)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        FindingLocation location = context.At(block.Segment + " " + where.Split(' ')[1], block.Offset + value.Offset);
        GeneratorTrace? trace = null;
        using (System.Text.Json.JsonDocument? json = JsonGenerators.TryParse(text, context.Options.MaxStructureDepth))
        {
            if (json is not null)
            {
                trace = JsonGenerators.Fooocus(json.RootElement) ?? JsonGenerators.InvokeAiMetadata(json.RootElement);
            }
        }

        budget.Check();
        trace ??= A1111Parameters.Parse(text);
        if (trace is not null)
        {
            Report(sink, trace, where, location);
            return;
        }

        sink.Add(FindingKinds.PngText, FindingStrength.NeutralFact, $"{where}: {Preview(text)}", location, ("field", where), ("value", text), ("offset", (block.Offset + value.Offset).ToString(CultureInfo.InvariantCulture)));
    }

    private static string Preview(string text)
    {
        string oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= PlainTextPreview ? oneLine : oneLine[..PlainTextPreview] + "…";
    }
}
