using System.Globalization;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Containers;

/// <summary>Walks the top-level chunks of a RIFF file (WebP: VP8/VP8L/VP8X, EXIF, XMP, C2PA…), sizes checked against the file.</summary>
internal static class RiffWalker
{
    public static ContainerScan Walk(ReadOnlySpan<byte> data, int maxChunks, WorkBudget budget)
    {
        bool isWebP = data.Length >= 12 && Bytes.HasAscii(data, 8, "WEBP");
        ContainerScan scan = new(isWebP ? ContainerFormat.WebP : ContainerFormat.Riff);
        if (data.Length < 12 || !Bytes.HasAscii(data, 0, "RIFF"))
        {
            scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, "RIFF header missing at offset 0.", null, 0);
            scan.Incomplete = true;
            return scan;
        }

        Bytes.TryU32LE(data, 4, out uint riffSize);
        long declaredEnd = 8L + riffSize;
        int end = data.Length;
        if (declaredEnd > data.Length)
        {
            scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"RIFF header declares {riffSize} bytes, past the end of the file ({data.Length} bytes).", "RIFF", 0, new FindingValue("declared_size", riffSize.ToString(CultureInfo.InvariantCulture)));
            scan.Incomplete = true;
        }
        else
        {
            end = (int)declaredEnd;
            if (end < data.Length)
            {
                scan.TrailingOffset = end;
            }
        }

        int pos = 12;
        while (pos < end)
        {
            budget.Check();
            if (scan.Chunks.Count >= maxChunks)
            {
                scan.AddIssue(FindingKinds.InputNotExamined, FindingStrength.NeutralFact, $"RIFF walk stopped after {maxChunks} chunks (cap).", null, pos);
                scan.Incomplete = true;
                return scan;
            }

            if (end - pos < 8)
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"RIFF chunk at offset {pos} is truncated ({end - pos} bytes left, a chunk header needs 8).", null, pos);
                scan.Incomplete = true;
                return scan;
            }

            string fourCc = Bytes.FourCc(data, pos);
            Bytes.TryU32LE(data, pos + 4, out uint size);
            if (size > (uint)(end - pos - 8))
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"RIFF chunk '{fourCc}' at offset {pos} declares size {size}, past the end of the file.", fourCc, pos, new FindingValue("declared_size", size.ToString(CultureInfo.InvariantCulture)), new FindingValue("bytes_left", (end - pos - 8).ToString(CultureInfo.InvariantCulture)));
                scan.Incomplete = true;
                return scan;
            }

            scan.Chunks.Add(new ContainerChunk(fourCc, pos, pos + 8, (int)size));
            long next = pos + 8L + size + (size & 1);
            if (next > end)
            {
                break;
            }

            pos = (int)next;
        }

        return scan;
    }
}
