using System.Globalization;
using System.Text;
using System.Text.Json;
using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;
using Detector.Evidence.Pixels;

namespace Detector.Evidence.Generators;

/// <summary>
/// NovelAI's (and the SD WebUI "stealth pnginfo" extension's) hidden copy of the metadata in the lowest bit of each alpha
/// value ("stealth_pnginfo" / gzip "stealth_pngcomp"), or of each R, G, B value ("stealth_rgbinfo" / "stealth_rgbcomp").
/// Bits are read column by column (x outer, y inner): 120-bit magic, 32-bit big-endian payload length in bits, payload.
/// Pixels are decoded here only for PNGs with an alpha channel, under the pixel cap, and only the first 152 rows unless a
/// magic is found; the RGB variant of other files is read from the pixels the caller already decoded. Survives metadata stripping; lost by lossy re-encoding.
/// </summary>
internal sealed class StealthInfoExtractor : IEvidenceExtractor
{
    private const int MagicBits = 120;
    private const int HeaderBits = MagicBits + 32;

    public string Name => "stealth-pnginfo";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        // Pixels are decoded here only for PNGs with an alpha channel (the service's RGB pixels have no alpha).
        if (context.Scan.Format == ContainerFormat.Png && context.Scan.PngHeader is { HasAlphaChannel: true } header)
        {
            ExtractFromPng(context, header, sink, budget);
            return;
        }

        // Otherwise only the RGB variant can be checked, from the caller's pixels (never for JPEG, which cannot keep it).
        if (context.Pixels is { } pixels && context.Scan.Format != ContainerFormat.Jpeg)
        {
            ReadOnlyMemory<byte> rgb = pixels.Rgb;
            BitSource source = new(pixels.Width, pixels.Height, 3, (x, y, c) => rgb.Span[(((y * pixels.Width) + x) * 3) + c]);
            TryRead(context, sink, budget, source, alpha: false, "decoded pixels");
        }
    }

    private static void ExtractFromPng(AnalysisContext context, PngHeader header, FindingSink sink, WorkBudget budget)
    {
        long pixels = (long)header.Width * header.Height;
        if (pixels > context.Options.MaxStealthPixels)
        {
            sink.Add(FindingKinds.StealthNotExamined, FindingStrength.NeutralFact, $"The alpha/RGB low bits were not examined: {header.Width}x{header.Height} is over the {context.Options.MaxStealthPixels}-pixel cap.", context.At("IDAT", null));
            return;
        }

        if (!PngRowDecoder.IsSupported(header, out string reason))
        {
            sink.Add(FindingKinds.StealthNotExamined, FindingStrength.NeutralFact, $"The alpha/RGB low bits were not examined: {reason}.", context.At("IDAT", null));
            return;
        }

        bool hasAlpha = header.HasAlphaChannel;
        bool hasColour = header.ColorType is 2 or 6;

        // Phase 1: decode only the rows holding the first 152 bits of each variant and look for a magic.
        int rowsNeeded = (int)Math.Min(header.Height, HeaderBits);
        byte[] alphaHead = new byte[HeaderBits];
        byte[] rgbHead = new byte[HeaderBits];
        using (PngRowDecoder decoder = new(context.Bytes, context.Scan, header))
        {
            for (int y = 0; y < rowsNeeded; y++)
            {
                budget.Check();
                if (!decoder.TryReadRow(out ReadOnlySpan<byte> row))
                {
                    sink.Add(FindingKinds.StealthNotExamined, FindingStrength.NeutralFact, $"The alpha/RGB low bits were not examined: the image data ends or is corrupt at row {y}.", context.At("IDAT", null));
                    return;
                }

                int channels = header.Channels;
                for (int x = 0; ; x++)
                {
                    long k = ((long)x * header.Height) + y;
                    if (k >= HeaderBits || x >= header.Width)
                    {
                        break;
                    }

                    int p = x * channels;
                    if (hasAlpha)
                    {
                        alphaHead[k] = (byte)(row[p + channels - 1] & 1);
                    }

                    for (int c = 0; c < 3 && hasColour; c++)
                    {
                        long bit = (k * 3) + c;
                        if (bit < HeaderBits)
                        {
                            rgbHead[bit] = (byte)(row[p + c] & 1);
                        }
                    }
                }
            }
        }

        bool alphaMagic = hasAlpha && IsMagic(alphaHead, out _);
        bool rgbMagic = hasColour && IsMagic(rgbHead, out _);
        if (!alphaMagic && !rgbMagic)
        {
            return;
        }

        // Phase 2: a magic was found; decode the whole image into column-major bit planes (bounded by the pixel cap).
        byte[] alphaBits = alphaMagic ? new byte[(pixels + 7) / 8] : [];
        byte[] rgbBits = rgbMagic ? new byte[((pixels * 3) + 7) / 8] : [];
        using (PngRowDecoder decoder = new(context.Bytes, context.Scan, header))
        {
            int channels = header.Channels;
            for (int y = 0; y < header.Height; y++)
            {
                budget.Check();
                if (!decoder.TryReadRow(out ReadOnlySpan<byte> row))
                {
                    break;
                }

                for (int x = 0; x < header.Width; x++)
                {
                    long k = ((long)x * header.Height) + y;
                    int p = x * channels;
                    if (alphaMagic && (row[p + channels - 1] & 1) != 0)
                    {
                        alphaBits[k >> 3] |= (byte)(0x80 >> (int)(k & 7));
                    }

                    if (rgbMagic)
                    {
                        for (int c = 0; c < 3; c++)
                        {
                            long bit = (k * 3) + c;
                            if ((row[p + c] & 1) != 0)
                            {
                                rgbBits[bit >> 3] |= (byte)(0x80 >> (int)(bit & 7));
                            }
                        }
                    }
                }
            }
        }

        if (alphaMagic)
        {
            Decode(context, sink, budget, alphaBits, pixels, alpha: true, "alpha channel");
        }

        if (rgbMagic)
        {
            Decode(context, sink, budget, rgbBits, pixels * 3, alpha: false, "RGB low bits");
        }
    }

    private readonly record struct BitSource(int Width, int Height, int PerPixel, Func<int, int, int, byte> Sample);

    private static void TryRead(AnalysisContext context, FindingSink sink, WorkBudget budget, BitSource source, bool alpha, string where)
    {
        long total = (long)source.Width * source.Height * source.PerPixel;
        if (total < HeaderBits || total / source.PerPixel > context.Options.MaxStealthPixels)
        {
            return;
        }

        byte[] head = new byte[HeaderBits];
        for (int k = 0; k < HeaderBits; k++)
        {
            head[k] = Bit(source, k);
        }

        if (!IsMagic(head, out _))
        {
            return;
        }

        byte[] bits = new byte[(total + 7) / 8];
        for (long k = 0; k < total; k++)
        {
            if ((k & 0xFFFF) == 0)
            {
                budget.Check();
            }

            if (Bit(source, k) != 0)
            {
                bits[k >> 3] |= (byte)(0x80 >> (int)(k & 7));
            }
        }

        Decode(context, sink, budget, bits, total, alpha, where);
    }

    private static byte Bit(BitSource source, long k)
    {
        long pixel = k / source.PerPixel;
        int channel = (int)(k % source.PerPixel);
        int x = (int)(pixel / source.Height);
        int y = (int)(pixel % source.Height);
        return (byte)(source.Sample(x, y, channel) & 1);
    }

    private static bool IsMagic(byte[] head, out string magic)
    {
        Span<byte> chars = stackalloc byte[15];
        for (int i = 0; i < 15; i++)
        {
            int value = 0;
            for (int b = 0; b < 8; b++)
            {
                value = (value << 1) | head[(i * 8) + b];
            }

            chars[i] = (byte)value;
        }

        magic = Encoding.ASCII.GetString(chars);
        return magic is "stealth_pnginfo" or "stealth_pngcomp" or "stealth_rgbinfo" or "stealth_rgbcomp";
    }

    private static void Decode(AnalysisContext context, FindingSink sink, WorkBudget budget, byte[] bits, long totalBits, bool alpha, string where)
    {
        byte[] magicBytes = bits.AsSpan(0, 15).ToArray();
        string magic = Encoding.ASCII.GetString(magicBytes);
        bool compressed = magic.EndsWith("comp", StringComparison.Ordinal);
        uint lengthBits = (uint)((bits[15] << 24) | (bits[16] << 16) | (bits[17] << 8) | bits[18]);
        FindingLocation location = context.At(alpha ? "alpha channel (pixel low bits)" : "RGB low bits", null);
        long available = totalBits - HeaderBits;
        long maxBits = (long)context.Options.MaxInflatedBytes * 8;
        if (lengthBits > available || lengthBits > maxBits)
        {
            sink.Add(FindingKinds.GeneratorMalformed, FindingStrength.SupportingHint, $"The {where} starts with the magic '{magic}' (written by NovelAI or the SD WebUI stealth extension) but declares {lengthBits} payload bits, more than the image holds or the cap allows.", location, ("magic", magic), ("declared_bits", lengthBits.ToString(CultureInfo.InvariantCulture)), ("available_bits", available.ToString(CultureInfo.InvariantCulture)));
            return;
        }

        int lengthBytes = (int)(lengthBits / 8);
        byte[] payload = bits.AsSpan(19, Math.Min(lengthBytes, bits.Length - 19)).ToArray();
        string? text;
        if (compressed)
        {
            InflateStatus status = Inflate.Gzip(payload, context.Options.MaxInflatedBytes, budget, out byte[] output);
            text = status == InflateStatus.Ok ? Bytes.Utf8Lenient(output) : null;
            if (text is null)
            {
                string problem = status == InflateStatus.ExceededCap ? "inflates past the cap (possible zip bomb)" : "is not valid gzip";
                sink.Add(FindingKinds.GeneratorMalformed, FindingStrength.SupportingHint, $"The {where} starts with the magic '{magic}' (written by NovelAI or the SD WebUI stealth extension) but its payload {problem}.", location, ("magic", magic), ("payload_bytes", lengthBytes.ToString(CultureInfo.InvariantCulture)));
                return;
            }
        }
        else
        {
            text = Bytes.Utf8Lenient(payload);
        }

        string source = $"hidden metadata copy in the {where} ('{magic}')";
        List<(string Key, GeneratorTrace Trace)> traces = [];
        using (JsonDocument? json = JsonGenerators.TryParse(text, context.Options.MaxStructureDepth))
        {
            if (json?.RootElement.ValueKind == JsonValueKind.Object)
            {
                Dictionary<string, string> fields = new(StringComparer.Ordinal);
                foreach (JsonProperty property in json.RootElement.EnumerateObject())
                {
                    fields.TryAdd(property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? string.Empty : property.Value.GetRawText());
                }

                traces = TextSetInterpreter.Interpret(fields, context.Options.MaxStructureDepth, budget);
            }
        }

        if (traces.Count == 0 && A1111Parameters.Parse(text) is { } a1111)
        {
            traces.Add(("parameters", a1111));
        }

        if (traces.Count == 0)
        {
            sink.Add(FindingKinds.StealthPayload, FindingStrength.ProofOfAiGeneration, $"The {where} holds a hidden metadata copy ('{magic}'), a format only AI image generators (NovelAI, SD WebUI extension) write; its content was not recognised.", location, ("magic", magic), ("payload", text), ("payload_bytes", lengthBytes.ToString(CultureInfo.InvariantCulture)));
            return;
        }

        foreach ((string _, GeneratorTrace trace) in traces)
        {
            GeneratorMetadataExtractor.Report(sink, trace with { Values = [("magic", magic), .. trace.Values] }, source, location);
        }
    }
}
