using System.Globalization;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.Containers;

/// <summary>
/// Walks the marker segments of a JPEG file (ITU-T T.81 Annex B) without decoding it. Lengths are checked against the
/// file before use; entropy-coded data is skipped by scanning for the next marker. Files concatenated after EOI
/// (a second image, MPF pictures) are walked too and counted.
/// </summary>
internal static class JpegWalker
{
    public static ContainerScan Walk(ReadOnlySpan<byte> data, int maxSegments, WorkBudget budget)
    {
        ContainerScan scan = new(ContainerFormat.Jpeg);
        if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8)
        {
            scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, "JPEG start-of-image marker missing at offset 0.", null, 0);
            scan.Incomplete = true;
            return scan;
        }

        int pos = 0;
        bool inImage = false;
        bool reportedGarbage = false;
        while (pos < data.Length)
        {
            budget.Check();
            if (scan.Chunks.Count >= maxSegments)
            {
                scan.AddIssue(FindingKinds.InputNotExamined, FindingStrength.NeutralFact, $"JPEG walk stopped after {maxSegments} segments (cap).", null, pos);
                scan.Incomplete = true;
                return scan;
            }

            if (!inImage)
            {
                // Between images: only another SOI continues the walk; anything else is trailing data.
                int next = SkipPadding(data, pos);
                if (next <= data.Length - 2 && data[next] == 0xFF && data[next + 1] == 0xD8)
                {
                    scan.SoiCount++;
                    inImage = true;
                    pos = next + 2;
                    continue;
                }

                if (pos < data.Length)
                {
                    scan.TrailingOffset = pos;
                }

                return scan;
            }

            if (data[pos] != 0xFF)
            {
                if (!reportedGarbage)
                {
                    scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"JPEG structure malformed at offset {pos}: expected a marker, found byte 0x{data[pos]:X2}; skipped to the next marker.", null, pos);
                    reportedGarbage = true;
                }

                int ff = data[pos..].IndexOf((byte)0xFF);
                if (ff < 0)
                {
                    break;
                }

                pos += ff;
                continue;
            }

            // Fill bytes: any number of 0xFF before the marker code.
            int markerPos = pos;
            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++;
            }

            if (pos >= data.Length)
            {
                break;
            }

            byte marker = data[pos];
            pos++;
            markerPos = pos - 2;
            if (marker == 0x00)
            {
                continue;
            }

            if (marker == 0xD8)
            {
                scan.SoiCount++;
                scan.AddIssue(FindingKinds.JpegMultipleImages, FindingStrength.NeutralFact, $"A second JPEG start-of-image marker appears inside the image at offset {markerPos}.", "SOI", markerPos);
                continue;
            }

            if (marker == 0xD9)
            {
                scan.EoiCount++;
                scan.Chunks.Add(new ContainerChunk("EOI", markerPos, pos, 0, marker));
                inImage = false;
                continue;
            }

            if (marker is >= 0xD0 and <= 0xD7 || marker == 0x01)
            {
                continue;
            }

            if (!Bytes.TryU16BE(data, pos, out ushort length))
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"JPEG segment {MarkerName(marker)} at offset {markerPos} is truncated (no length).", MarkerName(marker), markerPos);
                scan.Incomplete = true;
                return scan;
            }

            if (length < 2)
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"JPEG segment {MarkerName(marker)} at offset {markerPos} declares an impossible length {length}.", MarkerName(marker), markerPos);
                scan.Incomplete = true;
                return scan;
            }

            int dataOffset = pos + 2;
            int dataLength = length - 2;
            if (dataOffset + dataLength > data.Length)
            {
                scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, $"JPEG segment {MarkerName(marker)} at offset {markerPos} declares length {length}, past the end of the file.", MarkerName(marker), markerPos, new FindingValue("declared_length", length.ToString(CultureInfo.InvariantCulture)), new FindingValue("bytes_left", (data.Length - pos).ToString(CultureInfo.InvariantCulture)));
                scan.Incomplete = true;
                return scan;
            }

            scan.Chunks.Add(new ContainerChunk(MarkerName(marker), markerPos, dataOffset, dataLength, marker));
            pos = dataOffset + dataLength;
            if (marker == 0xDA)
            {
                pos = SkipEntropyCodedData(data, pos, budget);
            }
        }

        if (inImage)
        {
            scan.AddIssue(FindingKinds.ContainerStructure, FindingStrength.Malformed, "JPEG ends without an end-of-image marker (truncated file).", null, data.Length);
            scan.Incomplete = true;
        }

        return scan;
    }

    public static string MarkerName(byte marker) => marker switch
    {
        0xC4 => "DHT",
        0xC8 => "JPG",
        0xCC => "DAC",
        >= 0xC0 and <= 0xCF => "SOF" + (marker - 0xC0).ToString(CultureInfo.InvariantCulture),
        0xDB => "DQT",
        0xDA => "SOS",
        0xDD => "DRI",
        0xDC => "DNL",
        0xFE => "COM",
        >= 0xE0 and <= 0xEF => "APP" + (marker - 0xE0).ToString(CultureInfo.InvariantCulture),
        _ => "FF" + marker.ToString("X2", CultureInfo.InvariantCulture),
    };

    private static int SkipPadding(ReadOnlySpan<byte> data, int pos)
    {
        // Some writers pad after EOI with zeros before an appended image; allow a little.
        int limit = Math.Min(data.Length, pos + 512);
        int i = pos;
        while (i < limit && data[i] == 0x00)
        {
            i++;
        }

        return i;
    }

    private static int SkipEntropyCodedData(ReadOnlySpan<byte> data, int pos, WorkBudget budget)
    {
        while (pos < data.Length)
        {
            budget.Check();
            int ff = data[pos..].IndexOf((byte)0xFF);
            if (ff < 0)
            {
                return data.Length;
            }

            int at = pos + ff;
            if (at + 1 >= data.Length)
            {
                return data.Length;
            }

            byte next = data[at + 1];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7 || next == 0xFF)
            {
                pos = at + (next == 0xFF ? 1 : 2);
                continue;
            }

            return at;
        }

        return pos;
    }
}
