using System.Globalization;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Containers;

/// <summary>
/// Walks PNG chunks (length, type, data, CRC). A chunk whose declared length runs past the file stops the walk;
/// a bad CRC is reported and the chunk is still offered to extractors (tools in the wild write bad CRCs). IDAT CRCs are
/// not checked.
/// </summary>
internal static class PngWalker
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static ContainerScan Walk(ReadOnlySpan<byte> data, int maxChunks, WorkBudget budget)
    {
        ContainerScan scan = new(ContainerFormat.Png);
        if (data.Length < 8 || !data[..8].SequenceEqual(Signature))
        {
            scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, "PNG signature missing at offset 0.", null, 0);
            scan.Incomplete = true;
            return scan;
        }

        int pos = 8;
        int badCrcReported = 0;
        bool sawEnd = false;
        while (pos < data.Length)
        {
            budget.Check();
            if (scan.Chunks.Count >= maxChunks)
            {
                scan.AddIssue(FindingKinds.InputNotExamined, FindingStrength.NeutralFact, $"PNG walk stopped after {maxChunks} chunks (cap).", null, pos);
                scan.Incomplete = true;
                return scan;
            }

            if (data.Length - pos < 12)
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"PNG chunk at offset {pos} is truncated ({data.Length - pos} bytes left, a chunk needs at least 12).", null, pos);
                scan.Incomplete = true;
                return scan;
            }

            Bytes.TryU32BE(data, pos, out uint length);
            string type = Bytes.FourCc(data, pos + 4);
            if (length > int.MaxValue || length > (uint)(data.Length - pos - 12))
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"PNG chunk '{type}' at offset {pos} declares length {length}, past the end of the file.", type, pos, new FindingValue("declared_length", length.ToString(CultureInfo.InvariantCulture)), new FindingValue("bytes_left", (data.Length - pos - 12).ToString(CultureInfo.InvariantCulture)));
                scan.Incomplete = true;
                return scan;
            }

            if (!IsChunkType(data.Slice(pos + 4, 4)))
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"PNG chunk at offset {pos} has an invalid type code '{type}'; walk stopped.", type, pos);
                scan.Incomplete = true;
                return scan;
            }

            int dataOffset = pos + 8;
            int dataLength = (int)length;
            // Image data is not evidence here: its CRC is not checked (it is most of the file and most of the cost).
            Bytes.TryU32BE(data, dataOffset + dataLength, out uint storedCrc);
            uint actualCrc = type == "IDAT" ? storedCrc : Crc32.Compute(data.Slice(pos + 4, 4 + dataLength));
            bool crcValid = storedCrc == actualCrc;
            if (!crcValid && badCrcReported++ < 16)
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"PNG chunk '{type}' at offset {pos} has a bad CRC (stored {storedCrc:x8}, computed {actualCrc:x8}); its content was still read.", type, pos);
            }

            scan.Chunks.Add(new ContainerChunk(type, pos, dataOffset, dataLength, 0, crcValid));
            if (type == "IHDR" && scan.PngHeader is null && dataLength >= 13)
            {
                ReadOnlySpan<byte> ihdr = data.Slice(dataOffset, 13);
                Bytes.TryU32BE(ihdr, 0, out uint width);
                Bytes.TryU32BE(ihdr, 4, out uint height);
                if (width is > 0 and <= int.MaxValue && height is > 0 and <= int.MaxValue)
                {
                    scan.PngHeader = new PngHeader((int)width, (int)height, ihdr[8], ihdr[9], ihdr[12]);
                }
                else
                {
                    scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"PNG IHDR at offset {pos} declares impossible dimensions {width}x{height}.", type, pos);
                }
            }

            pos = dataOffset + dataLength + 4;
            if (type == "IEND")
            {
                sawEnd = true;
                break;
            }
        }

        if (!sawEnd)
        {
            scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, "PNG ends without an IEND chunk (truncated file).", null, data.Length);
            scan.Incomplete = true;
        }
        else if (pos < data.Length)
        {
            scan.TrailingOffset = pos;
        }

        return scan;
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (byte b in type)
        {
            if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')))
            {
                return false;
            }
        }

        return true;
    }
}
