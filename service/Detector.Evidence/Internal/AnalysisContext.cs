using Detector.Evidence.Containers;
using Detector.Evidence.Model;

namespace Detector.Evidence.Internal;

/// <summary>An EXIF (TIFF) block inside the file: the TIFF header offset and length, and the segment holding it.</summary>
internal readonly record struct ExifBlock(int Offset, int Length, string Segment, int SegmentOffset);

/// <summary>Everything one analysis shares between extractors. Created per call; never shared between threads.</summary>
internal sealed class AnalysisContext
{
    public AnalysisContext(ReadOnlyMemory<byte> bytes, ContainerScan scan, EvidencePixels? pixels, EvidenceOptions options)
    {
        Bytes = bytes;
        Scan = scan;
        Pixels = pixels;
        Options = options;
        ExifBlocks = FindExifBlocks(bytes.Span, scan);
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    public ContainerScan Scan { get; }

    /// <summary>Pixels given by the caller, already checked for consistency; null when absent or inconsistent.</summary>
    public EvidencePixels? Pixels { get; }

    public EvidenceOptions Options { get; }

    public string Container => Scan.Name;

    public List<ExifBlock> ExifBlocks { get; }

    public FindingLocation At(string? segment, long? offset) => new(Container, segment, offset);

    public IEnumerable<ContainerChunk> Chunks(string type)
    {
        foreach (ContainerChunk chunk in Scan.Chunks)
        {
            if (chunk.Type == type)
            {
                yield return chunk;
            }
        }
    }

    private static List<ExifBlock> FindExifBlocks(ReadOnlySpan<byte> data, ContainerScan scan)
    {
        List<ExifBlock> blocks = [];
        switch (scan.Format)
        {
            case ContainerFormat.Jpeg:
                foreach (ContainerChunk chunk in scan.Chunks)
                {
                    if (chunk.Marker == 0xE1 && chunk.DataLength > 6 && Internal.Bytes.HasAscii(data, chunk.DataOffset, "Exif") && data[chunk.DataOffset + 4] == 0)
                    {
                        blocks.Add(new ExifBlock(chunk.DataOffset + 6, chunk.DataLength - 6, "APP1 EXIF", chunk.Offset));
                    }
                }

                break;
            case ContainerFormat.Png:
                foreach (ContainerChunk chunk in scan.Chunks)
                {
                    if (chunk.Type == "eXIf")
                    {
                        blocks.Add(new ExifBlock(chunk.DataOffset, chunk.DataLength, "eXIf", chunk.Offset));
                    }
                }

                break;
            case ContainerFormat.WebP:
                foreach (ContainerChunk chunk in scan.Chunks)
                {
                    if (chunk.Type == "EXIF")
                    {
                        bool prefixed = chunk.DataLength > 6 && Internal.Bytes.HasAscii(data, chunk.DataOffset, "Exif") && data[chunk.DataOffset + 4] == 0;
                        int skip = prefixed ? 6 : 0;
                        blocks.Add(new ExifBlock(chunk.DataOffset + skip, chunk.DataLength - skip, "EXIF", chunk.Offset));
                    }
                }

                break;
            case ContainerFormat.Tiff:
                blocks.Add(new ExifBlock(0, data.Length, "TIFF header", 0));
                break;
        }

        return blocks;
    }
}

/// <summary>One evidence extractor: reads the context, reports findings. Implementations are stateless and thread-safe.</summary>
internal interface IEvidenceExtractor
{
    string Name { get; }

    /// <summary>Reports findings; may throw, the analyzer turns any exception into an 'extractor failed' finding.</summary>
    void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget);
}
