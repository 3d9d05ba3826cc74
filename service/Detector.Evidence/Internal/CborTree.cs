using System.Formats.Cbor;
using System.Globalization;
using System.Numerics;
using System.Text.Unicode;

namespace Detector.Evidence.Internal;

/// <summary>A decoded CBOR item, kept small: byte strings are referenced by offset, not copied.</summary>
internal abstract record CborNode
{
    public virtual CborNode? this[string key] => null;

    /// <summary>The node as text when it is a text string, otherwise null.</summary>
    public string? AsText => (this as CborText)?.Value;
}

/// <summary>
/// A text string. <see cref="Offset"/> is where the item starts in the decoded buffer (-1 when not decoded from CBOR).
/// When its bytes were not valid UTF-8, <see cref="Value"/> has U+FFFD in their place (as a lax decoder gives) and
/// <see cref="Escaped"/> shows them exactly, as <c>\xHH</c>; otherwise <see cref="Escaped"/> is null.
/// </summary>
internal sealed record CborText(string Value, int Offset = -1, string? Escaped = null) : CborNode;

internal sealed record CborInteger(BigInteger Value) : CborNode
{
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A byte string: <see cref="Offset"/> into the decoded buffer, or -1 when it was indefinite-length (then <see cref="Copy"/> holds it).</summary>
internal sealed record CborBytes(int Offset, int Length, ReadOnlyMemory<byte> Copy) : CborNode;

internal sealed record CborSimple(string Value) : CborNode;

internal sealed record CborTagged(ulong Tag, CborNode Inner) : CborNode;

internal sealed record CborArray(List<CborNode> Items) : CborNode;

internal sealed record CborMap(List<KeyValuePair<CborNode, CborNode>> Entries) : CborNode
{
    /// <summary>The value of the first entry whose key is this text.</summary>
    public override CborNode? this[string key]
    {
        get
        {
            foreach (KeyValuePair<CborNode, CborNode> entry in Entries)
            {
                if (entry.Key is CborText text && string.Equals(text.Value, key, StringComparison.Ordinal))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    /// <summary>The value of the first entry whose key is this integer (COSE headers).</summary>
    public CborNode? ByInteger(long key)
    {
        foreach (KeyValuePair<CborNode, CborNode> entry in Entries)
        {
            if (entry.Key is CborInteger integer && integer.Value == key)
            {
                return entry.Value;
            }
        }

        return null;
    }
}

/// <summary>Result of a bounded CBOR decode: the item (possibly partial) and, if it failed, where and why.</summary>
internal sealed record CborDecodeResult(CborNode? Root, string? Error, int ErrorOffset);

/// <summary>
/// Decodes one CBOR item into a <see cref="CborNode"/> tree with a depth limit and an item-count limit. The recursion
/// is bounded by <c>maxDepth</c>; declared container sizes are never used to allocate (lists grow as items are read).
/// </summary>
internal static class CborTree
{
    public static CborDecodeResult Decode(ReadOnlyMemory<byte> data, int maxDepth, int maxItems, WorkBudget budget)
    {
        CborReader reader = new(data, CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
        int items = 0;
        try
        {
            CborNode root = ReadNode(reader, data.Length, 0, maxDepth, maxItems, ref items, budget);
            return new CborDecodeResult(root, null, 0);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException or OverflowException or ArgumentException or CborDepthException)
        {
            int at = data.Length - reader.BytesRemaining;
            return new CborDecodeResult(null, ex is CborDepthException ? ex.Message : "invalid CBOR (" + ex.GetType().Name + ")", at);
        }
    }

    private static CborNode ReadNode(CborReader reader, int totalLength, int depth, int maxDepth, int maxItems, ref int items, WorkBudget budget)
    {
        budget.Check();
        if (++items > maxItems)
        {
            throw new CborDepthException($"more than {maxItems} CBOR items");
        }

        CborReaderState state = reader.PeekState();
        switch (state)
        {
            case CborReaderState.UnsignedInteger:
                return new CborInteger(reader.ReadUInt64());
            case CborReaderState.NegativeInteger:
                return new CborInteger(-BigInteger.One - reader.ReadCborNegativeIntegerRepresentation());
            case CborReaderState.TextString:
                {
                    int start = totalLength - reader.BytesRemaining;
                    return Text(reader.ReadDefiniteLengthTextStringBytes().Span, start);
                }

            case CborReaderState.StartIndefiniteLengthTextString:
                {
                    // Chunks are concatenated; their total is bounded by the bytes actually present.
                    int start = totalLength - reader.BytesRemaining;
                    reader.ReadStartIndefiniteLengthTextString();
                    using MemoryStream chunks = new();
                    while (reader.PeekState() != CborReaderState.EndIndefiniteLengthTextString)
                    {
                        budget.Check();
                        chunks.Write(reader.ReadDefiniteLengthTextStringBytes().Span);
                    }

                    reader.ReadEndIndefiniteLengthTextString();
                    return Text(chunks.GetBuffer().AsSpan(0, (int)chunks.Length), start);
                }
            case CborReaderState.ByteString:
                {
                    ReadOnlyMemory<byte> bytes = reader.ReadDefiniteLengthByteString();
                    int end = totalLength - reader.BytesRemaining;
                    return new CborBytes(end - bytes.Length, bytes.Length, ReadOnlyMemory<byte>.Empty);
                }

            case CborReaderState.StartIndefiniteLengthByteString:
                {
                    byte[] copy = reader.ReadByteString();
                    return new CborBytes(-1, copy.Length, copy);
                }

            case CborReaderState.StartArray:
                {
                    EnterContainer(depth, maxDepth);
                    reader.ReadStartArray();
                    List<CborNode> list = [];
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        list.Add(ReadNode(reader, totalLength, depth + 1, maxDepth, maxItems, ref items, budget));
                    }

                    reader.ReadEndArray();
                    return new CborArray(list);
                }

            case CborReaderState.StartMap:
                {
                    EnterContainer(depth, maxDepth);
                    reader.ReadStartMap();
                    List<KeyValuePair<CborNode, CborNode>> entries = [];
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        CborNode key = ReadNode(reader, totalLength, depth + 1, maxDepth, maxItems, ref items, budget);
                        CborNode value = ReadNode(reader, totalLength, depth + 1, maxDepth, maxItems, ref items, budget);
                        entries.Add(new KeyValuePair<CborNode, CborNode>(key, value));
                    }

                    reader.ReadEndMap();
                    return new CborMap(entries);
                }

            case CborReaderState.Tag:
                {
                    EnterContainer(depth, maxDepth);
                    ulong tag = (ulong)reader.ReadTag();
                    return new CborTagged(tag, ReadNode(reader, totalLength, depth + 1, maxDepth, maxItems, ref items, budget));
                }

            case CborReaderState.Boolean:
                return new CborSimple(reader.ReadBoolean() ? "true" : "false");
            case CborReaderState.Null:
                reader.ReadNull();
                return new CborSimple("null");
            case CborReaderState.SimpleValue:
                return new CborSimple("simple(" + ((int)reader.ReadSimpleValue()).ToString(CultureInfo.InvariantCulture) + ")");
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                return new CborSimple(reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture));
            default:
                throw new CborContentException("unexpected CBOR state " + state);
        }
    }

    /// <summary>The lax reader would replace invalid UTF-8 silently; keep that value but mark it, with the exact bytes.</summary>
    private static CborText Text(ReadOnlySpan<byte> utf8, int offset)
    {
        string value = Bytes.Utf8Lenient(utf8);
        return Utf8.IsValid(utf8) ? new CborText(value, offset) : new CborText(value, offset, Bytes.Utf8Escaped(utf8));
    }

    private static void EnterContainer(int depth, int maxDepth)
    {
        if (depth >= maxDepth)
        {
            throw new CborDepthException($"CBOR nesting deeper than {maxDepth}");
        }
    }

    /// <summary>Text of a node for display: text, integers and simple values; null for containers and bytes.</summary>
    public static string? Display(CborNode? node) => node switch
    {
        CborText text => text.Value,
        CborInteger integer => integer.ToString(),
        CborSimple simple => simple.Value,
        CborTagged tagged => Display(tagged.Inner),
        _ => null,
    };
}

/// <summary>Raised inside <see cref="CborTree"/> when a depth or count cap is hit; never leaves it.</summary>
internal sealed class CborDepthException : Exception
{
    public CborDepthException(string message)
        : base(message)
    {
    }
}
