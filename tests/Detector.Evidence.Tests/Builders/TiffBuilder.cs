using System.Buffers.Binary;
using System.Text;

namespace Detector.Evidence.Tests.Builders;

/// <summary>Writes small TIFF/EXIF blocks: IFD0 (ASCII tags, optional EXIF pointer), an EXIF IFD, and IFD1 with a thumbnail.</summary>
internal sealed class TiffBuilder
{
    private readonly bool _little;
    private readonly List<(ushort Tag, ushort Type, byte[] Value)> _ifd0 = [];
    private readonly List<(ushort Tag, ushort Type, byte[] Value)> _exif = [];
    private byte[]? _thumbnail;

    public TiffBuilder(bool littleEndian = true)
    {
        _little = littleEndian;
    }

    public TiffBuilder Ascii(ushort tag, string value)
    {
        _ifd0.Add((tag, 2, [.. Encoding.UTF8.GetBytes(value), 0]));
        return this;
    }

    /// <summary>An UNDEFINED (type 7) tag in IFD0, where Pillow's top-level <c>Image.Exif()</c> writes every tag.</summary>
    public TiffBuilder Undefined(ushort tag, byte[] value)
    {
        _ifd0.Add((tag, 7, value));
        return this;
    }

    public TiffBuilder ExifUndefined(ushort tag, byte[] value)
    {
        _exif.Add((tag, 7, value));
        return this;
    }

    /// <summary>UserComment with the UNICODE prefix and UTF-16 text in the given byte order.</summary>
    public TiffBuilder UserCommentUnicode(string text, bool bigEndian)
        => ExifUndefined(0x9286, [.. "UNICODE\0"u8.ToArray(), .. (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetBytes(text)]);

    public TiffBuilder Thumbnail(byte[] jpeg)
    {
        _thumbnail = jpeg;
        return this;
    }

    public byte[] Build()
    {
        List<byte> data = [];
        data.AddRange(_little ? "II"u8.ToArray() : "MM"u8.ToArray());
        data.AddRange(U16(42));
        data.AddRange(U32(8));
        List<(ushort, ushort, byte[])> ifd0 = [.. _ifd0];
        if (_exif.Count > 0)
        {
            ifd0.Add((0x8769, 4, new byte[4]));
        }

        int ifd0Offset = 8;
        int ifd0Size = 2 + (ifd0.Count * 12) + 4;
        int exifOffset = ifd0Offset + ifd0Size + ValuesSize(ifd0);
        int exifSize = _exif.Count > 0 ? 2 + (_exif.Count * 12) + 4 + ValuesSize(_exif) : 0;
        int ifd1Offset = _thumbnail is null ? 0 : exifOffset + exifSize;
        if (_exif.Count > 0)
        {
            ifd0[^1] = (0x8769, 4, U32((uint)exifOffset));
        }

        WriteIfd(data, ifd0, ifd0Offset, (uint)ifd1Offset);
        if (_exif.Count > 0)
        {
            WriteIfd(data, _exif, exifOffset, 0);
        }

        if (_thumbnail is not null)
        {
            int ifd1Size = 2 + (2 * 12) + 4;
            int thumbOffset = ifd1Offset + ifd1Size;
            WriteIfd(data, [(0x0201, 4, U32((uint)thumbOffset)), (0x0202, 4, U32((uint)_thumbnail.Length))], ifd1Offset, 0);
            data.AddRange(_thumbnail);
        }

        return [.. data];
    }

    private static int ValuesSize(List<(ushort Tag, ushort Type, byte[] Value)> entries) => entries.Where(e => e.Value.Length > 4).Sum(e => e.Value.Length + (e.Value.Length & 1));

    private void WriteIfd(List<byte> data, List<(ushort Tag, ushort Type, byte[] Value)> entries, int offset, uint next)
    {
        if (data.Count != offset)
        {
            throw new InvalidOperationException($"IFD offset mismatch: {data.Count} vs {offset}");
        }

        int valuesOffset = offset + 2 + (entries.Count * 12) + 4;
        List<byte> values = [];
        data.AddRange(U16((ushort)entries.Count));
        foreach ((ushort tag, ushort type, byte[] value) in entries)
        {
            data.AddRange(U16(tag));
            data.AddRange(U16(type));
            uint count = type == 4 ? (uint)(value.Length / 4) : (uint)value.Length;
            data.AddRange(U32(count));
            if (value.Length <= 4)
            {
                data.AddRange([.. value, .. new byte[4 - value.Length]]);
            }
            else
            {
                data.AddRange(U32((uint)(valuesOffset + values.Count)));
                values.AddRange(value);
                if ((value.Length & 1) != 0)
                {
                    values.Add(0);
                }
            }
        }

        data.AddRange(U32(next));
        data.AddRange(values);
    }

    private byte[] U16(ushort v)
    {
        byte[] b = new byte[2];
        if (_little)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(b, v);
        }

        return b;
    }

    private byte[] U32(uint v)
    {
        byte[] b = new byte[4];
        if (_little)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
        }

        return b;
    }
}
