using System.Globalization;
using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.FileFacts;

/// <summary>
/// File facts: container format and dimensions, JPEG quantisation-table quality, EXIF Software/Make/Model, EXIF
/// thumbnail (and whether its shape matches the image), and marker-structure oddities (APP13 Photoshop, several SOI/EOI,
/// data after the end of the image).
/// </summary>
internal sealed class FileFactsExtractor : IEvidenceExtractor
{
    public string Name => "file-facts";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        ReadOnlySpan<byte> data = context.Bytes.Span;
        (int width, int height, string? detail) = Dimensions(context);
        sink.Add(
            FindingKinds.ContainerFormat,
            FindingStrength.NeutralFact,
            width > 0 ? $"{context.Container} file, {width}x{height}, {data.Length} bytes." : $"{context.Container} file, {data.Length} bytes.",
            FindingLocation.File(context.Container),
            ("container", context.Container),
            ("bytes", data.Length.ToString(CultureInfo.InvariantCulture)),
            ("width", width > 0 ? width.ToString(CultureInfo.InvariantCulture) : null),
            ("height", height > 0 ? height.ToString(CultureInfo.InvariantCulture) : null),
            ("encoding", detail));

        if (context.Scan.TrailingOffset >= 0)
        {
            int trailing = data.Length - context.Scan.TrailingOffset;
            sink.Add(FindingKinds.TrailingData, FindingStrength.NeutralFact, $"{trailing} bytes follow the end of the image at offset {context.Scan.TrailingOffset} (appended data; not part of the picture).", context.At("after end of image", context.Scan.TrailingOffset), ("bytes", trailing.ToString(CultureInfo.InvariantCulture)));
        }

        if (context.Scan.Format == ContainerFormat.Jpeg)
        {
            JpegFacts(context, sink, budget);
        }

        foreach (ExifBlock block in context.ExifBlocks)
        {
            budget.Check();
            ExifFacts(context, block, width, height, sink, budget);
        }
    }

    private static (int Width, int Height, string? Detail) Dimensions(AnalysisContext context)
    {
        ReadOnlySpan<byte> data = context.Bytes.Span;
        switch (context.Scan.Format)
        {
            case ContainerFormat.Png when context.Scan.PngHeader is { } h:
                string colour = h.ColorType switch
                {
                    0 => "greyscale",
                    2 => "RGB",
                    3 => "palette",
                    4 => "greyscale+alpha",
                    6 => "RGBA",
                    _ => "colour type " + h.ColorType,
                };
                return (h.Width, h.Height, $"{colour}, {h.BitDepth}-bit{(h.Interlace != 0 ? ", interlaced" : string.Empty)}");
            case ContainerFormat.Jpeg:
                foreach (ContainerChunk chunk in context.Scan.Chunks)
                {
                    if (chunk.Type.StartsWith("SOF", StringComparison.Ordinal) && chunk.DataLength >= 6)
                    {
                        Bytes.TryU16BE(data, chunk.DataOffset + 1, out ushort height);
                        Bytes.TryU16BE(data, chunk.DataOffset + 3, out ushort width);
                        int components = data[chunk.DataOffset + 5];
                        string process = chunk.Marker switch
                        {
                            0xC0 => "baseline",
                            0xC1 => "extended sequential",
                            0xC2 => "progressive",
                            0xC3 => "lossless",
                            _ => chunk.Type,
                        };
                        return (width, height, $"{process}, {components} components");
                    }
                }

                break;
            case ContainerFormat.WebP:
                foreach (ContainerChunk chunk in context.Scan.Chunks)
                {
                    if (chunk.Type == "VP8X" && chunk.DataLength >= 10)
                    {
                        int w = 1 + (data[chunk.DataOffset + 4] | (data[chunk.DataOffset + 5] << 8) | (data[chunk.DataOffset + 6] << 16));
                        int h = 1 + (data[chunk.DataOffset + 7] | (data[chunk.DataOffset + 8] << 8) | (data[chunk.DataOffset + 9] << 16));
                        return (w, h, "extended (VP8X)");
                    }

                    if (chunk.Type == "VP8 " && chunk.DataLength >= 10)
                    {
                        return ((data[chunk.DataOffset + 6] | (data[chunk.DataOffset + 7] << 8)) & 0x3FFF, (data[chunk.DataOffset + 8] | (data[chunk.DataOffset + 9] << 8)) & 0x3FFF, "lossy (VP8)");
                    }

                    if (chunk.Type == "VP8L" && chunk.DataLength >= 5)
                    {
                        uint bits = (uint)(data[chunk.DataOffset + 1] | (data[chunk.DataOffset + 2] << 8) | (data[chunk.DataOffset + 3] << 16) | (data[chunk.DataOffset + 4] << 24));
                        return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1, "lossless (VP8L)");
                    }
                }

                break;
        }

        return (0, 0, null);
    }

    private static void JpegFacts(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        ReadOnlySpan<byte> data = context.Bytes.Span;
        ContainerScan scan = context.Scan;
        if (scan.SoiCount > 1 || scan.EoiCount > 1)
        {
            bool mpf = false;
            foreach (ContainerChunk chunk in scan.Chunks)
            {
                if (chunk.Marker == 0xE2 && Bytes.HasAscii(data, chunk.DataOffset, "MPF\0"))
                {
                    mpf = true;
                }
            }

            string why = mpf ? "an MPF segment declares extra pictures (common in phone and camera files)" : "no MPF segment explains them (an appended or embedded second image)";
            sink.Add(FindingKinds.JpegMultipleImages, FindingStrength.NeutralFact, $"The JPEG stream holds {scan.SoiCount} start-of-image and {scan.EoiCount} end-of-image markers at top level; {why}.", context.At("SOI/EOI", null), ("soi", scan.SoiCount.ToString(CultureInfo.InvariantCulture)), ("eoi", scan.EoiCount.ToString(CultureInfo.InvariantCulture)), ("mpf", mpf ? "yes" : "no"));
        }

        Dictionary<int, int[]> tables = [];
        foreach (ContainerChunk chunk in scan.Chunks)
        {
            budget.Check();
            if (chunk.Marker == 0xED && Bytes.HasAscii(data, chunk.DataOffset, "Photoshop 3.0"))
            {
                sink.Add(FindingKinds.JpegPhotoshopSegment, FindingStrength.NeutralFact, "APP13 Photoshop image-resource segment present (Photoshop writes it; many other tools use it to store IPTC data).", context.At("APP13", chunk.Offset), ("bytes", chunk.DataLength.ToString(CultureInfo.InvariantCulture)));
            }

            if (chunk.Marker == 0xDB)
            {
                List<(int Id, int[] Natural)> parsed = JpegQuality.ParseDqt(data.Slice(chunk.DataOffset, chunk.DataLength), out bool malformed);
                foreach ((int id, int[] natural) in parsed)
                {
                    tables.TryAdd(id, natural);
                }

                if (malformed)
                {
                    sink.Add(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"JPEG DQT segment at offset {chunk.Offset} is malformed (table header or size out of range).", context.At("DQT", chunk.Offset));
                }
            }

            if (chunk.Marker == 0xDA)
            {
                break;
            }
        }

        if (tables.TryGetValue(0, out int[]? luminance))
        {
            JpegQualityEstimate luma = JpegQuality.Estimate(0, luminance);
            JpegQualityEstimate? chroma = tables.TryGetValue(1, out int[]? c) ? JpegQuality.Estimate(1, c) : null;
            bool exact = luma.IsExact && (chroma is null || chroma.IsExact);
            string summary = exact
                ? $"JPEG quantisation tables are the IJG standard tables at quality {luma.Quality}."
                : $"JPEG quantisation tables are closest to IJG quality {luma.Quality} but are not the IJG standard tables (mean deviation {luma.MeanAbsoluteDeviation:0.0} per entry): a camera, phone or editor wrote its own.";
            sink.Add(
                FindingKinds.JpegQuality,
                FindingStrength.NeutralFact,
                summary,
                context.At("DQT", null),
                ("estimated_quality", luma.Quality.ToString(CultureInfo.InvariantCulture)),
                ("ijg_standard_tables", exact ? "yes" : "no"),
                ("luminance_deviation", luma.MeanAbsoluteDeviation.ToString("0.00", CultureInfo.InvariantCulture)),
                ("chrominance_quality", chroma?.Quality.ToString(CultureInfo.InvariantCulture)),
                ("chrominance_deviation", chroma?.MeanAbsoluteDeviation.ToString("0.00", CultureInfo.InvariantCulture)),
                ("tables", tables.Count.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static void ExifFacts(AnalysisContext context, ExifBlock block, int imageWidth, int imageHeight, FindingSink sink, WorkBudget budget)
    {
        ReadOnlySpan<byte> tiff = context.Bytes.Span.Slice(block.Offset, block.Length);
        TiffData? exif = TiffReader.Read(tiff, budget);
        if (exif is null)
        {
            sink.Add(FindingKinds.ExifMalformed, FindingStrength.Malformed, $"EXIF block at offset {block.Offset} has no valid TIFF header.", context.At(block.Segment, block.SegmentOffset));
            return;
        }

        foreach ((int offset, string message) in exif.Issues.Take(8))
        {
            sink.Add(FindingKinds.ExifMalformed, FindingStrength.Malformed, $"EXIF malformed at offset {block.Offset + offset}: {message}.", context.At(block.Segment, block.Offset + offset));
        }

        string? make = Text(tiff, exif, "IFD0", TiffReader.TagMake);
        string? model = Text(tiff, exif, "IFD0", TiffReader.TagModel);
        string? software = Text(tiff, exif, "IFD0", TiffReader.TagSoftware);
        string? dateTime = Text(tiff, exif, "IFD0", TiffReader.TagDateTime);
        if (make is not null || model is not null)
        {
            sink.Add(FindingKinds.ExifCamera, FindingStrength.NeutralFact, $"EXIF names the device: {string.Join(" ", new[] { make, model }.Where(s => s is not null))} (a field any tool can write).", context.At(block.Segment, block.SegmentOffset), ("make", make), ("model", model), ("date_time", dateTime));
        }

        if (software is not null)
        {
            string? generator = GeneratorNames.FindGenerator(software);
            string? editor = generator is null ? GeneratorNames.FindEditor(software) : null;
            if (generator is not null)
            {
                sink.Add(FindingKinds.ExifGeneratorSoftware, FindingStrength.SupportingHint, $"EXIF Software names an image generator: {software} (a weak hint: anyone can write this field).", context.At(block.Segment, block.SegmentOffset), ("software", software), ("generator", generator));
            }
            else if (editor is not null)
            {
                sink.Add(FindingKinds.ExifEditingSoftware, FindingStrength.SupportingHint, $"EXIF Software names an image editor: {software} (the file was saved by it; edits are possible, not shown).", context.At(block.Segment, block.SegmentOffset), ("software", software), ("editor", editor));
            }
            else
            {
                sink.Add(FindingKinds.ExifSoftware, FindingStrength.NeutralFact, $"EXIF Software: {software}.", context.At(block.Segment, block.SegmentOffset), ("software", software));
            }
        }

        if (exif.TryGet("IFD1", TiffReader.TagThumbnailOffset, out TiffValue offsetValue) && exif.TryGet("IFD1", TiffReader.TagThumbnailLength, out TiffValue lengthValue))
        {
            uint thumbOffset = TiffReader.Number(tiff, offsetValue, exif.LittleEndian);
            uint thumbLength = TiffReader.Number(tiff, lengthValue, exif.LittleEndian);
            if (thumbLength == 0 || thumbOffset > (uint)tiff.Length || thumbLength > (uint)tiff.Length - thumbOffset)
            {
                sink.Add(FindingKinds.ExifMalformed, FindingStrength.Malformed, $"EXIF thumbnail declared at offset {thumbOffset} with {thumbLength} bytes lies outside the EXIF block.", context.At(block.Segment, block.SegmentOffset));
                return;
            }

            ReadOnlySpan<byte> thumb = tiff.Slice((int)thumbOffset, (int)thumbLength);
            int tw = 0;
            int th = 0;
            if (thumb.Length > 3 && thumb[0] == 0xFF && thumb[1] == 0xD8)
            {
                ContainerScan thumbScan = JpegWalker.Walk(thumb, 512, budget);
                foreach (ContainerChunk chunk in thumbScan.Chunks)
                {
                    if (chunk.Type.StartsWith("SOF", StringComparison.Ordinal) && chunk.DataLength >= 5)
                    {
                        Bytes.TryU16BE(thumb, chunk.DataOffset + 1, out ushort h);
                        Bytes.TryU16BE(thumb, chunk.DataOffset + 3, out ushort w);
                        (tw, th) = (w, h);
                        break;
                    }
                }
            }

            bool mismatch = tw > 0 && th > 0 && imageWidth > 0 && imageHeight > 0 && AspectDiffers(tw, th, imageWidth, imageHeight);
            string shape = tw > 0 ? $"{tw}x{th}" : "unknown size";
            if (mismatch)
            {
                sink.Add(FindingKinds.ExifThumbnail, FindingStrength.SupportingHint, $"The EXIF thumbnail ({shape}) has a different shape from the image ({imageWidth}x{imageHeight}): the image was probably cropped or edited after the thumbnail was written.", context.At(block.Segment + " thumbnail", block.Offset + thumbOffset), ("thumbnail_size", shape), ("image_size", $"{imageWidth}x{imageHeight}"), ("thumbnail_bytes", thumbLength.ToString(CultureInfo.InvariantCulture)));
            }
            else
            {
                sink.Add(FindingKinds.ExifThumbnail, FindingStrength.NeutralFact, $"EXIF thumbnail present ({shape}, {thumbLength} bytes).", context.At(block.Segment + " thumbnail", block.Offset + thumbOffset), ("thumbnail_size", shape), ("thumbnail_bytes", thumbLength.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    private static bool AspectDiffers(int tw, int th, int iw, int ih)
    {
        double thumbAspect = (double)tw / th;
        double imageAspect = (double)iw / ih;
        double rotated = (double)ih / iw;

        // Thumbnails are often letterboxed to 160x120; allow 5% and a 90-degree rotation.
        return Math.Abs(thumbAspect - imageAspect) / imageAspect > 0.05 && Math.Abs(thumbAspect - rotated) / rotated > 0.05 && !(tw == 160 && th == 120) && !(tw == 120 && th == 160);
    }

    private static string? Text(ReadOnlySpan<byte> tiff, TiffData exif, string directory, ushort tag)
        => exif.TryGet(directory, tag, out TiffValue value) ? TiffReader.Text(tiff, value) : null;
}
