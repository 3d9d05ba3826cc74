using System.Globalization;
using System.Text.Unicode;
using Detector.Evidence.Internal;

namespace Detector.Evidence.C2pa;

/// <summary>The description box (<c>jumd</c>) of a JUMBF superbox.</summary>
/// <param name="Uuid">The 16-byte type UUID as hex.</param>
/// <param name="UuidPrefix">The first four UUID bytes as ASCII ("c2pa", "c2ma"…), or hex when they are not printable.</param>
/// <param name="IsC2paFamily">True when the last 12 bytes are the C2PA/JUMBF suffix 0011-0010-8000-00AA00389B71.</param>
/// <param name="Label">
/// The label, or null when the toggle says there is none. Bytes that are not valid UTF-8 are shown as <c>\xHH</c> followed by
/// "(not valid UTF-8)", never as U+FFFD (and the reader reports an issue with the exact bytes).
/// </param>
internal sealed record JumbfDescription(string Uuid, string UuidPrefix, bool IsC2paFamily, string? Label);

/// <summary>One JUMBF box; offsets are into the store buffer.</summary>
internal sealed class JumbfBox
{
    public required string Type { get; init; }

    public required int Offset { get; init; }

    public required int PayloadOffset { get; init; }

    public required int PayloadLength { get; init; }

    /// <summary>For superboxes (<c>jumb</c>): the description, when readable.</summary>
    public JumbfDescription? Description { get; set; }

    /// <summary>For superboxes: the boxes after the description box.</summary>
    public List<JumbfBox> Children { get; } = [];

    public bool IsSuperbox => Type == "jumb";

    public string? Label => Description?.Label;

    /// <summary>The first child superbox whose UUID starts with this ASCII prefix.</summary>
    public JumbfBox? ChildByUuid(string prefix)
    {
        foreach (JumbfBox child in Children)
        {
            if (child.IsSuperbox && child.Description?.UuidPrefix == prefix)
            {
                return child;
            }
        }

        return null;
    }

    /// <summary>The first child content box of this type ("cbor", "json").</summary>
    public JumbfBox? Content(string type)
    {
        foreach (JumbfBox child in Children)
        {
            if (child.Type == type)
            {
                return child;
            }
        }

        return null;
    }
}

/// <summary>A structural problem in a JUMBF store.</summary>
/// <param name="Offset">Where it is, in the store buffer.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Text">For a label that is not valid UTF-8: its bytes with the invalid ones as <c>\xHH</c>.</param>
internal readonly record struct JumbfIssue(int Offset, string Message, string? Text = null);

/// <summary>
/// Reads JUMBF boxes (ISO/IEC 19566-5): LBox/TBox headers, XLBox, superboxes with their description box. Every length is
/// checked against its parent; nesting is followed to a fixed depth and the number of boxes is capped.
/// </summary>
internal sealed class JumbfReader
{
    private static readonly byte[] C2paUuidSuffix = [0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    private readonly int _maxDepth;
    private readonly int _maxBoxes;
    private readonly WorkBudget _budget;
    private int _boxes;

    public JumbfReader(int maxDepth, int maxBoxes, WorkBudget budget)
    {
        _maxDepth = maxDepth;
        _maxBoxes = maxBoxes;
        _budget = budget;
    }

    public List<JumbfIssue> Issues { get; } = [];

    public List<JumbfBox> Read(ReadOnlySpan<byte> store) => ReadBoxes(store, 0, store.Length, 0);

    private List<JumbfBox> ReadBoxes(ReadOnlySpan<byte> store, int start, int end, int depth)
    {
        List<JumbfBox> boxes = [];
        int pos = start;
        while (pos < end)
        {
            _budget.Check();
            if (++_boxes > _maxBoxes)
            {
                Issues.Add(new JumbfIssue(pos, $"more than {_maxBoxes} boxes; reading stopped"));
                return boxes;
            }

            int left = end - pos;
            if (left < 8)
            {
                Issues.Add(new JumbfIssue(pos, $"truncated box header ({left} bytes left, a header needs 8)"));
                return boxes;
            }

            Bytes.TryU32BE(store, pos, out uint lbox);
            string type = Bytes.FourCc(store, pos + 4);
            long size;
            string? declared = null;
            int header = 8;
            if (lbox == 1)
            {
                if (left < 16)
                {
                    Issues.Add(new JumbfIssue(pos, $"box '{type}' declares an extended length but is truncated"));
                    return boxes;
                }

                Bytes.TryU64BE(store, pos + 8, out ulong xl);
                header = 16;
                size = xl > long.MaxValue ? long.MaxValue : (long)xl;
                declared = xl.ToString(CultureInfo.InvariantCulture);
            }
            else if (lbox == 0)
            {
                size = left;
            }
            else
            {
                size = lbox;
            }

            if (size < header)
            {
                Issues.Add(new JumbfIssue(pos, $"box '{type}' declares an impossible length {size}"));
                return boxes;
            }

            if (size > left)
            {
                Issues.Add(new JumbfIssue(pos, $"box '{type}' declares length {declared ?? size.ToString(CultureInfo.InvariantCulture)}, past the end of its parent ({left} bytes left)"));
                if (type != "jumb")
                {
                    return boxes;
                }

                // A truncated superbox: read what is there (its children are checked against the bytes left).
                size = left;
            }

            JumbfBox box = new()
            {
                Type = type,
                Offset = pos,
                PayloadOffset = pos + header,
                PayloadLength = (int)size - header,
            };
            boxes.Add(box);
            if (box.IsSuperbox)
            {
                ReadSuperbox(store, box, depth);
            }

            pos += (int)size;
        }

        return boxes;
    }

    private void ReadSuperbox(ReadOnlySpan<byte> store, JumbfBox box, int depth)
    {
        if (depth + 1 > _maxDepth)
        {
            Issues.Add(new JumbfIssue(box.Offset, $"superbox nesting deeper than {_maxDepth} levels; not followed"));
            return;
        }

        List<JumbfBox> inner = ReadBoxes(store, box.PayloadOffset, box.PayloadOffset + box.PayloadLength, depth + 1);
        if (inner.Count == 0 || inner[0].Type != "jumd")
        {
            Issues.Add(new JumbfIssue(box.Offset, "superbox without a description box (jumd)"));
            box.Children.AddRange(inner);
            return;
        }

        box.Description = ReadDescription(store.Slice(inner[0].PayloadOffset, inner[0].PayloadLength), inner[0].Offset);
        for (int i = 1; i < inner.Count; i++)
        {
            box.Children.Add(inner[i]);
        }
    }

    private JumbfDescription? ReadDescription(ReadOnlySpan<byte> payload, int offset)
    {
        if (payload.Length < 17)
        {
            Issues.Add(new JumbfIssue(offset, $"description box too short ({payload.Length} bytes, needs 17)"));
            return null;
        }

        ReadOnlySpan<byte> uuid = payload[..16];
        bool printable = true;
        for (int i = 0; i < 4; i++)
        {
            if (uuid[i] is < 0x20 or >= 0x7F)
            {
                printable = false;
            }
        }

        string prefix = printable ? Bytes.FourCc(uuid, 0) : Bytes.Hex(uuid[..4]);
        bool family = uuid[4..].SequenceEqual(C2paUuidSuffix);
        byte toggles = payload[16];
        string? label = null;
        if ((toggles & 0x02) != 0)
        {
            int nul = Bytes.IndexOfNul(payload, 17);
            if (nul < 0)
            {
                Issues.Add(new JumbfIssue(offset, "description label is not NUL-terminated"));
            }

            label = ReadLabel(payload[17..(nul < 0 ? payload.Length : nul)], offset, prefix);
        }

        return new JumbfDescription(FormatUuid(uuid), prefix, family, label);
    }

    /// <summary>
    /// The label as text; bytes that are not valid UTF-8 are kept as <c>\xHH</c>, marked "(not valid UTF-8)" and reported
    /// with the description box's offset, never replaced with U+FFFD.
    /// </summary>
    private string ReadLabel(ReadOnlySpan<byte> bytes, int offset, string uuidPrefix)
    {
        if (Utf8.IsValid(bytes))
        {
            return Bytes.Utf8Lenient(bytes);
        }

        string escaped = Bytes.Utf8Escaped(bytes);
        Issues.Add(new JumbfIssue(offset, Bytes.NotUtf8Problem($"label of the description box (jumd) of superbox '{uuidPrefix}'", escaped), escaped));
        return Bytes.MarkedNotUtf8(escaped);
    }

    private static string FormatUuid(ReadOnlySpan<byte> uuid)
    {
        string hex = Bytes.Hex(uuid);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
