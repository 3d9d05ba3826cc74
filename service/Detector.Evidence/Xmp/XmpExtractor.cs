using System.Globalization;
using System.Text;
using System.Xml;
using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Xmp;

/// <summary>
/// XMP / IPTC: the IPTC digital source type in its three forms (attribute, element text, rdf:resource), AISystemUsed
/// (with AISystemVersionUsed, one hint per packet), DigImageGUID,
/// dcterms:provenance (a remote manifest URL, reported and never fetched) and xmp:CreatorTool. Parsed with an XmlReader
/// that refuses DTDs, resolves nothing and caps the document size.
/// </summary>
internal sealed class XmpExtractor : IEvidenceExtractor
{
    public const string IptcExtNs = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
    public const string RdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    public const string DcTermsNs = "http://purl.org/dc/terms/";
    public const string XmpNs = "http://ns.adobe.com/xap/1.0/";
    public const string PhotoshopNs = "http://ns.adobe.com/photoshop/1.0/";

    private const string JpegXmpPrefix = "http://ns.adobe.com/xap/1.0/\0";
    private const string JpegExtendedPrefix = "http://ns.adobe.com/xmp/extension/\0";

    public string Name => "xmp";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        foreach (XmpSource source in FindPackets(context, sink, budget))
        {
            budget.Check();
            Parse(context, source, sink, budget);
        }
    }

    /// <summary>An XMP packet and where it was found.</summary>
    internal sealed record XmpSource(string Text, string Segment, long Offset);

    private static List<XmpSource> FindPackets(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        List<XmpSource> sources = [];
        ReadOnlySpan<byte> data = context.Bytes.Span;
        int cap = context.Options.MaxXmpBytes;
        switch (context.Scan.Format)
        {
            case ContainerFormat.Jpeg:
                {
                    Dictionary<string, ExtendedXmp> extended = [];
                    foreach (ContainerChunk chunk in context.Scan.Chunks)
                    {
                        budget.Check();
                        if (chunk.Marker != 0xE1)
                        {
                            continue;
                        }

                        if (Bytes.HasAscii(data, chunk.DataOffset, JpegXmpPrefix) && chunk.DataLength >= JpegXmpPrefix.Length)
                        {
                            AddBytes(sources, sink, context, data.Slice(chunk.DataOffset + JpegXmpPrefix.Length, chunk.DataLength - JpegXmpPrefix.Length), "APP1 XMP", chunk.Offset, cap);
                        }
                        else if (Bytes.HasAscii(data, chunk.DataOffset, JpegExtendedPrefix))
                        {
                            CollectExtended(context, chunk, extended, sink, cap);
                        }
                    }

                    foreach ((string guid, ExtendedXmp part) in extended)
                    {
                        AddBytes(sources, sink, context, part.Buffer.AsSpan(0, part.Filled), $"APP1 extended XMP {guid}", part.FirstOffset, cap);
                    }

                    break;
                }

            case ContainerFormat.Png:
                foreach (ContainerChunk chunk in context.Scan.Chunks)
                {
                    budget.Check();
                    if (!PngText.IsTextChunk(chunk.Type) || PngText.Keyword(data, chunk) != "XML:com.adobe.xmp")
                    {
                        continue;
                    }

                    PngTextEntry entry = PngText.Decode(context.Bytes, chunk, Math.Min(cap, context.Options.MaxInflatedBytes), budget);
                    if (entry.Text is null)
                    {
                        Malformed(context, sink, $"{chunk.Type} 'XML:com.adobe.xmp'", chunk.Offset, $"XMP text chunk at offset {chunk.Offset} {entry.Problem}.");
                    }
                    else
                    {
                        AddText(sources, sink, context, entry.Text, $"{chunk.Type} 'XML:com.adobe.xmp'", chunk.Offset, cap);
                    }
                }

                break;
            case ContainerFormat.WebP:
                foreach (ContainerChunk chunk in context.Chunks("XMP "))
                {
                    AddBytes(sources, sink, context, data.Slice(chunk.DataOffset, chunk.DataLength), "XMP chunk", chunk.Offset, cap);
                }

                break;
            case ContainerFormat.Tiff:
                {
                    TiffData? tiff = TiffReader.Read(data, budget);
                    if (tiff is not null && tiff.TryGet("IFD0", TiffReader.TagXmp, out TiffValue value))
                    {
                        AddBytes(sources, sink, context, data.Slice(value.Offset, value.Length), "TIFF tag 700 (XMP)", value.Offset, cap);
                    }

                    break;
                }

            default:
                ScanRaw(context, sources, sink, cap);
                break;
        }

        return sources;
    }

    private static void ScanRaw(AnalysisContext context, List<XmpSource> sources, FindingSink sink, int cap)
    {
        // Containers this layer does not walk (GIF, HEIF, AVIF, JPEG XL…): look for a raw x:xmpmeta element.
        ReadOnlySpan<byte> data = context.Bytes.Span;
        int start = data.IndexOf("<x:xmpmeta"u8);
        if (start < 0)
        {
            return;
        }

        int endTag = data[start..].IndexOf("</x:xmpmeta>"u8);
        if (endTag < 0)
        {
            Malformed(context, sink, "raw XMP", start, $"XMP packet starts at offset {start} but never ends.");
            return;
        }

        AddBytes(sources, sink, context, data.Slice(start, endTag + "</x:xmpmeta>".Length), "raw XMP", start, cap);
    }

    private sealed class ExtendedXmp
    {
        public required byte[] Buffer { get; init; }

        public required int FirstOffset { get; init; }

        public int Filled { get; set; }
    }

    private static void CollectExtended(AnalysisContext context, ContainerChunk chunk, Dictionary<string, ExtendedXmp> extended, FindingSink sink, int cap)
    {
        ReadOnlySpan<byte> data = context.Bytes.Span;
        int header = JpegExtendedPrefix.Length + 32 + 8;
        if (chunk.DataLength < header)
        {
            Malformed(context, sink, "APP1 extended XMP", chunk.Offset, $"extended XMP segment at offset {chunk.Offset} is too short for its header.");
            return;
        }

        string guid = Encoding.ASCII.GetString(data.Slice(chunk.DataOffset + JpegExtendedPrefix.Length, 32));
        Bytes.TryU32BE(data, chunk.DataOffset + JpegExtendedPrefix.Length + 32, out uint fullLength);
        Bytes.TryU32BE(data, chunk.DataOffset + JpegExtendedPrefix.Length + 36, out uint partOffset);
        if (fullLength > cap || fullLength > data.Length)
        {
            Malformed(context, sink, "APP1 extended XMP", chunk.Offset, $"extended XMP at offset {chunk.Offset} declares {fullLength} bytes, more than the file holds or over the {cap}-byte cap; not read.");
            return;
        }

        if (!extended.TryGetValue(guid, out ExtendedXmp? part))
        {
            if (extended.Count >= 4)
            {
                return;
            }

            part = new ExtendedXmp { Buffer = new byte[fullLength], FirstOffset = chunk.Offset };
            extended[guid] = part;
        }

        int length = chunk.DataLength - header;
        if (partOffset > part.Buffer.Length || length > part.Buffer.Length - (int)partOffset)
        {
            Malformed(context, sink, "APP1 extended XMP", chunk.Offset, $"extended XMP part at offset {chunk.Offset} lies outside its declared length.");
            return;
        }

        data.Slice(chunk.DataOffset + header, length).CopyTo(part.Buffer.AsSpan((int)partOffset));
        part.Filled = Math.Max(part.Filled, (int)partOffset + length);
    }

    private static void AddBytes(List<XmpSource> sources, FindingSink sink, AnalysisContext context, ReadOnlySpan<byte> bytes, string segment, long offset, int cap)
    {
        if (bytes.Length > cap)
        {
            Malformed(context, sink, segment, offset, $"XMP packet at offset {offset} is {bytes.Length} bytes, over the {cap}-byte cap; not parsed.");
            return;
        }

        string text;
        if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
        {
            text = Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }
        else if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
        {
            text = Encoding.Unicode.GetString(bytes[2..]);
        }
        else
        {
            text = Bytes.Utf8Lenient(bytes);
        }

        AddText(sources, sink, context, text, segment, offset, cap);
    }

    private static void AddText(List<XmpSource> sources, FindingSink sink, AnalysisContext context, string text, string segment, long offset, int cap)
    {
        if (text.Length > cap)
        {
            Malformed(context, sink, segment, offset, $"XMP packet at offset {offset} is over the {cap}-character cap; not parsed.");
            return;
        }

        sources.Add(new XmpSource(text.TrimStart('\uFEFF').TrimEnd('\0', ' ', '\r', '\n', '\t'), segment, offset));
    }

    private static void Parse(AnalysisContext context, XmpSource source, FindingSink sink, WorkBudget budget)
    {
        XmlReaderSettings settings = new()
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = context.Options.MaxXmpBytes,
            MaxCharactersFromEntities = 1024,
            ConformanceLevel = ConformanceLevel.Fragment,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            CloseInput = true,
        };
        FindingLocation location = context.At(source.Segment, source.Offset);
        int maxDepth = context.Options.MaxStructureDepth * 2;
        int found = 0;
        AiSystemFields aiSystem = new();
        try
        {
            using StringReader text = new(source.Text);
            using XmlReader reader = XmlReader.Create(text, settings);
            while (reader.Read())
            {
                budget.Check();
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (reader.Depth > maxDepth)
                {
                    Malformed(context, sink, source.Segment, source.Offset, $"XMP packet at offset {source.Offset} nests elements deeper than {maxDepth}; the rest was not read.");
                    break;
                }

                if (reader.HasAttributes)
                {
                    for (int i = 0; i < reader.AttributeCount; i++)
                    {
                        reader.MoveToAttribute(i);
                        found += Report(context, sink, location, reader.NamespaceURI, reader.LocalName, reader.Value, "attribute", aiSystem);
                    }

                    reader.MoveToElement();
                }

                if (!IsTarget(reader.NamespaceURI, reader.LocalName))
                {
                    continue;
                }

                string ns = reader.NamespaceURI;
                string local = reader.LocalName;
                string? resource = reader.GetAttribute("resource", RdfNs);
                if (resource is not null)
                {
                    found += Report(context, sink, location, ns, local, resource, "rdf:resource", aiSystem);
                }
                else if (!reader.IsEmptyElement)
                {
                    string value = ReadText(reader, budget, context.Options.MaxValueLength);
                    found += Report(context, sink, location, ns, local, value, "element", aiSystem);
                }
            }
        }
        catch (XmlException ex)
        {
            string why = ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) ? "it declares a DTD, which is refused" : "it is not well-formed XML";
            Malformed(context, sink, source.Segment, source.Offset, $"XMP packet at offset {source.Offset} could not be fully read: {why} (line {ex.LineNumber}, position {ex.LinePosition}).");
        }

        aiSystem.Report(sink, location);
        sink.Add(FindingKinds.XmpPacket, FindingStrength.NeutralFact, $"XMP packet ({source.Text.Length} characters) in {source.Segment}.", location, ("characters", source.Text.Length.ToString(CultureInfo.InvariantCulture)), ("relevant_fields", found.ToString(CultureInfo.InvariantCulture)));
    }

    private static bool IsTarget(string ns, string local) => ns switch
    {
        IptcExtNs => local is "DigitalSourceType" or "AISystemUsed" or "AISystemVersionUsed" or "DigImageGUID",
        DcTermsNs => local == "provenance",
        XmpNs => local == "CreatorTool",
        PhotoshopNs => local == "Credit",
        _ => false,
    };

    /// <summary>Text of an element and its descendants (rdf:Alt/rdf:Bag items joined with "; ").</summary>
    private static string ReadText(XmlReader reader, WorkBudget budget, int maxLength)
    {
        StringBuilder builder = new();
        using XmlReader subtree = reader.ReadSubtree();
        while (subtree.Read())
        {
            budget.Check();
            if (subtree.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace)
            {
                if (builder.Length > 0)
                {
                    builder.Append("; ");
                }

                builder.Append(subtree.Value.Trim());
                if (builder.Length > maxLength)
                {
                    break;
                }
            }
            else if (subtree.NodeType == XmlNodeType.Element && subtree.GetAttribute("resource", RdfNs) is { } resource)
            {
                if (builder.Length > 0)
                {
                    builder.Append("; ");
                }

                builder.Append(resource);
            }
        }

        return builder.ToString();
    }

    private static int Report(AnalysisContext context, FindingSink sink, FindingLocation location, string ns, string local, string value, string form, AiSystemFields aiSystem)
    {
        if (!IsTarget(ns, local) || string.IsNullOrWhiteSpace(value))
        {
            return 0;
        }

        value = value.Trim();
        switch (local)
        {
            case "DigitalSourceType":
                {
                    SourceTypeMeaning meaning = DigitalSourceTypes.Classify(value);
                    string term = DigitalSourceTypes.Term(value);
                    sink.Add(
                        FindingKinds.XmpDigitalSourceType,
                        DigitalSourceTypes.StrengthOf(meaning),
                        $"XMP metadata declares IPTC digital source type {term} ({DigitalSourceTypes.Explain(meaning)}).",
                        location,
                        ("digital_source_type", value),
                        ("term", term),
                        ("form", form),
                        ("field", "Iptc4xmpExt:DigitalSourceType"));
                    return 1;
                }

            case "AISystemUsed":
                aiSystem.System ??= (value, form);
                return 1;
            case "AISystemVersionUsed":
                aiSystem.Version ??= (value, form);
                return 1;
            case "DigImageGUID":
                sink.Add(FindingKinds.XmpPacket, FindingStrength.NeutralFact, $"XMP image GUID {value} (Midjourney and others write one).", location, ("field", "Iptc4xmpExt:DigImageGUID"), ("value", value));
                return 1;
            case "provenance":
                sink.Add(FindingKinds.XmpRemoteManifest, FindingStrength.NeutralFact, $"XMP dcterms:provenance points to a remote C2PA manifest at {value} (not fetched).", location, ("url", value), ("fetched", "no"), ("form", form));
                return 1;
            case "CreatorTool":
            case "Credit":
                {
                    string field = local == "Credit" ? "photoshop:Credit" : "xmp:CreatorTool";
                    string? generator = GeneratorNames.FindGenerator(value);
                    if (generator is not null)
                    {
                        sink.Add(FindingKinds.XmpCreatorTool, FindingStrength.SupportingHint, $"XMP {field} names an image generator: {value} (a weak hint: anyone can write this field).", location, ("field", field), ("value", value), ("generator", generator));
                    }
                    else
                    {
                        sink.Add(FindingKinds.XmpCreatorTool, FindingStrength.NeutralFact, $"XMP {field}: {value}.", location, ("field", field), ("value", value));
                    }

                    return 1;
                }

            default:
                return 0;
        }
    }

    /// <summary>
    /// AISystemUsed and AISystemVersionUsed of one packet: one declaration, so one hint (two would count twice in the
    /// verdict), reported after the packet is read; the first value of each is kept.
    /// </summary>
    private sealed class AiSystemFields
    {
        public (string Value, string Form)? System { get; set; }

        public (string Value, string Form)? Version { get; set; }

        public void Report(FindingSink sink, FindingLocation location)
        {
            if (System is { } system)
            {
                string version = Version is { } v ? $" (version {v.Value})" : string.Empty;
                sink.Add(FindingKinds.XmpAiSystem, FindingStrength.SupportingHint, $"XMP metadata names the AI system used: {system.Value}{version}.", location, ("field", "Iptc4xmpExt:AISystemUsed"), ("value", system.Value), ("version", Version?.Value), ("form", system.Form));
            }
            else if (Version is { } v)
            {
                sink.Add(FindingKinds.XmpAiSystem, FindingStrength.SupportingHint, $"XMP metadata gives the version of the AI system used, {v.Value}, without naming the system.", location, ("field", "Iptc4xmpExt:AISystemVersionUsed"), ("value", v.Value), ("form", v.Form));
            }
        }
    }

    private static void Malformed(AnalysisContext context, FindingSink sink, string segment, long offset, string summary)
        => sink.Add(FindingKinds.XmpMalformed, FindingStrength.Malformed, summary, context.At(segment, offset));
}
