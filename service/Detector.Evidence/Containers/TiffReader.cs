using System.Buffers.Binary;
using System.Globalization;
using Detector.Evidence.Internal;

namespace Detector.Evidence.Containers;

/// <summary>A value found in a TIFF/EXIF directory: its bytes' location relative to the TIFF header.</summary>
internal readonly record struct TiffValue(int Offset, int Length, ushort Type, uint Count);

/// <summary>What <see cref="TiffReader"/> found in an EXIF block (IFD0, the EXIF sub-IFD and IFD1).</summary>
internal sealed class TiffData
{
    public bool LittleEndian { get; init; }

    /// <summary>Values by (directory, tag); directory is "IFD0", "ExifIFD" or "IFD1".</summary>
    public Dictionary<(string Directory, ushort Tag), TiffValue> Values { get; } = [];

    /// <summary>Problems met while reading (offset relative to the TIFF header, message).</summary>
    public List<(int Offset, string Message)> Issues { get; } = [];

    public bool TryGet(string directory, ushort tag, out TiffValue value) => Values.TryGetValue((directory, tag), out value);
}

/// <summary>
/// Reads the directories of a TIFF structure (EXIF blocks in JPEG APP1, PNG eXIf, WebP EXIF, or a TIFF file) with every
/// offset and count checked against the block, loops between directories refused, and entry counts capped.
/// </summary>
internal static class TiffReader
{
    public const ushort TagImageDescription = 0x010E;
    public const ushort TagMake = 0x010F;
    public const ushort TagModel = 0x0110;
    public const ushort TagSoftware = 0x0131;
    public const ushort TagDateTime = 0x0132;
    public const ushort TagArtist = 0x013B;
    public const ushort TagXmp = 0x02BC;
    public const ushort TagExifIfd = 0x8769;
    public const ushort TagThumbnailOffset = 0x0201;
    public const ushort TagThumbnailLength = 0x0202;
    public const ushort TagUserComment = 0x9286;
    public const ushort TagMakerNote = 0x927C;
    public const ushort TagXpComment = 0x9C9C;

    private const int MaxEntriesPerDirectory = 1024;

    public static TiffData? Read(ReadOnlySpan<byte> tiff, WorkBudget budget)
    {
        if (tiff.Length < 8)
        {
            return null;
        }

        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I')
        {
            little = true;
        }
        else if (tiff[0] == 'M' && tiff[1] == 'M')
        {
            little = false;
        }
        else
        {
            return null;
        }

        TiffData result = new() { LittleEndian = little };
        if (U16(tiff, 2, little) != 42)
        {
            result.Issues.Add((2, "TIFF header magic is not 42"));
            return result;
        }

        HashSet<uint> visited = [];
        uint ifd0 = U32(tiff, 4, little);
        uint next = ReadDirectory(tiff, ifd0, "IFD0", little, result, visited, budget);
        if (result.TryGet("IFD0", TagExifIfd, out TiffValue exifPointer) && exifPointer.Length >= 4)
        {
            ReadDirectory(tiff, U32(tiff, exifPointer.Offset, little), "ExifIFD", little, result, visited, budget);
        }

        if (next != 0)
        {
            ReadDirectory(tiff, next, "IFD1", little, result, visited, budget);
        }

        return result;
    }

    /// <summary>An ASCII/UTF-8 value with trailing NULs and spaces removed, or null.</summary>
    public static string? Text(ReadOnlySpan<byte> tiff, TiffValue value)
    {
        ReadOnlySpan<byte> bytes = tiff.Slice(value.Offset, value.Length);
        int end = bytes.Length;
        while (end > 0 && (bytes[end - 1] == 0 || bytes[end - 1] == (byte)' '))
        {
            end--;
        }

        int nul = bytes[..end].IndexOf((byte)0);
        if (nul >= 0)
        {
            end = nul;
        }

        return end == 0 ? null : Bytes.Utf8OrLatin1(bytes[..end]);
    }

    /// <summary>The first SHORT or LONG of a value.</summary>
    public static uint Number(ReadOnlySpan<byte> tiff, TiffValue value, bool little)
    {
        return value.Type switch
        {
            3 when value.Length >= 2 => U16(tiff, value.Offset, little),
            4 when value.Length >= 4 => U32(tiff, value.Offset, little),
            _ => 0,
        };
    }

    private static uint ReadDirectory(ReadOnlySpan<byte> tiff, uint offset, string name, bool little, TiffData result, HashSet<uint> visited, WorkBudget budget)
    {
        if (offset == 0)
        {
            return 0;
        }

        if (!visited.Add(offset) || visited.Count > 8)
        {
            result.Issues.Add(((int)Math.Min(offset, int.MaxValue), $"{name} points back to a directory already read (loop refused)"));
            return 0;
        }

        if (offset > (uint)(tiff.Length - 2))
        {
            result.Issues.Add(((int)Math.Min(offset, int.MaxValue), $"{name} offset {offset} lies past the end of the EXIF block ({tiff.Length} bytes)"));
            return 0;
        }

        int at = (int)offset;
        int count = U16(tiff, at, little);
        if (count > MaxEntriesPerDirectory)
        {
            result.Issues.Add((at, $"{name} declares {count} entries (cap {MaxEntriesPerDirectory})"));
            return 0;
        }

        long entriesEnd = at + 2L + (count * 12L);
        if (entriesEnd > tiff.Length)
        {
            result.Issues.Add((at, $"{name} declares {count} entries, past the end of the EXIF block"));
            count = (int)Math.Max(0, (tiff.Length - at - 2) / 12);
        }

        for (int i = 0; i < count; i++)
        {
            budget.Check();
            int entry = at + 2 + (i * 12);
            ushort tag = U16(tiff, entry, little);
            ushort type = U16(tiff, entry + 2, little);
            uint valueCount = U32(tiff, entry + 4, little);
            int unit = type switch
            {
                1 or 2 or 6 or 7 => 1,
                3 or 8 => 2,
                4 or 9 or 11 or 13 => 4,
                5 or 10 or 12 => 8,
                _ => 0,
            };
            if (unit == 0)
            {
                continue;
            }

            long byteCount = (long)valueCount * unit;
            long valueOffset = byteCount <= 4 ? entry + 8 : U32(tiff, entry + 8, little);
            if (valueOffset + byteCount > tiff.Length)
            {
                result.Issues.Add((entry, $"{name} tag 0x{tag:X4} declares {byteCount} bytes at offset {valueOffset}, past the end of the EXIF block"));
                continue;
            }

            result.Values.TryAdd((name, tag), new TiffValue((int)valueOffset, (int)byteCount, type, valueCount));
        }

        return entriesEnd + 4 <= tiff.Length ? U32(tiff, (int)entriesEnd, little) : 0;
    }

    private static ushort U16(ReadOnlySpan<byte> data, int offset, bool little)
    {
        if (offset < 0 || offset > data.Length - 2)
        {
            return 0;
        }

        return little ? BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
    }

    private static uint U32(ReadOnlySpan<byte> data, int offset, bool little)
    {
        if (offset < 0 || offset > data.Length - 4)
        {
            return 0;
        }

        return little ? BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]) : BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
    }

    public static string Describe(int offset) => offset.ToString(CultureInfo.InvariantCulture);
}
