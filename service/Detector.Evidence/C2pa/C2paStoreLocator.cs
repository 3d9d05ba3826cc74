using System.Globalization;
using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.C2pa;

/// <summary>A C2PA/JUMBF store found in a file, with the mapping from store offsets back to file offsets.</summary>
internal sealed class C2paStore
{
    private readonly List<(int StoreStart, int FileStart, int Length)> _map = [];

    public C2paStore(ReadOnlyMemory<byte> data, string segment, int segmentOffset)
    {
        Data = data;
        Segment = segment;
        SegmentOffset = segmentOffset;
    }

    public ReadOnlyMemory<byte> Data { get; }

    public string Segment { get; }

    /// <summary>File offset of the (first) segment holding the store.</summary>
    public int SegmentOffset { get; }

    public void Map(int storeStart, int fileStart, int length) => _map.Add((storeStart, fileStart, length));

    /// <summary>The file offset of a store offset (the end of the store maps past the last piece).</summary>
    public long FileOffset(int storeOffset)
    {
        foreach ((int storeStart, int fileStart, int length) in _map)
        {
            if (storeOffset >= storeStart && storeOffset < storeStart + length)
            {
                return fileStart + (long)(storeOffset - storeStart);
            }
        }

        if (_map.Count > 0)
        {
            (int storeStart, int fileStart, int length) = _map[^1];
            return fileStart + (long)length + (storeOffset - storeStart - length);
        }

        return SegmentOffset;
    }
}

/// <summary>
/// Finds C2PA stores: JPEG APP11 JUMBF segments (reassembled across segments by box instance and sequence number),
/// PNG <c>caBX</c> chunks and WebP <c>C2PA</c> chunks.
/// </summary>
internal static class C2paStoreLocator
{
    public static List<C2paStore> Locate(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        List<C2paStore> stores = [];
        switch (context.Scan.Format)
        {
            case ContainerFormat.Jpeg:
                LocateJpeg(context, sink, stores, budget);
                break;
            case ContainerFormat.Png:
                foreach (ContainerChunk chunk in context.Chunks("caBX"))
                {
                    C2paStore store = new(context.Bytes.Slice(chunk.DataOffset, chunk.DataLength), "caBX", chunk.Offset);
                    store.Map(0, chunk.DataOffset, chunk.DataLength);
                    stores.Add(store);
                }

                break;
            case ContainerFormat.WebP:
                foreach (ContainerChunk chunk in context.Chunks("C2PA"))
                {
                    C2paStore store = new(context.Bytes.Slice(chunk.DataOffset, chunk.DataLength), "C2PA chunk", chunk.Offset);
                    store.Map(0, chunk.DataOffset, chunk.DataLength);
                    stores.Add(store);
                }

                break;
        }

        return stores;
    }

    private static void LocateJpeg(AnalysisContext context, FindingSink sink, List<C2paStore> stores, WorkBudget budget)
    {
        ReadOnlySpan<byte> data = context.Bytes.Span;

        // Group APP11 JPEG-XT/JUMBF segments by box instance number (En), keeping file order.
        List<(ushort En, List<(uint Z, ContainerChunk Chunk)> Parts)> groups = [];
        Dictionary<ushort, int> groupIndex = [];
        foreach (ContainerChunk chunk in context.Scan.Chunks)
        {
            budget.Check();
            if (chunk.Marker != 0xEB)
            {
                continue;
            }

            if (chunk.DataLength < 8 || data[chunk.DataOffset] != 0x4A || data[chunk.DataOffset + 1] != 0x50)
            {
                continue;
            }

            Bytes.TryU16BE(data, chunk.DataOffset + 2, out ushort en);
            Bytes.TryU32BE(data, chunk.DataOffset + 4, out uint z);
            if (!groupIndex.TryGetValue(en, out int index))
            {
                groups.Add((en, []));
                index = groups.Count - 1;
                groupIndex[en] = index;
            }

            groups[index].Parts.Add((z, chunk));
        }

        foreach ((ushort en, List<(uint Z, ContainerChunk Chunk)> parts) in groups)
        {
            budget.Check();
            parts.Sort(static (a, b) => a.Z.CompareTo(b.Z));
            ContainerChunk first = parts[0].Chunk;
            bool isC2pa = first.DataLength > 28 && Bytes.HasAscii(data, first.DataOffset + 24, "c2pa");
            if (!isC2pa)
            {
                string what = first.DataLength >= 28 ? Bytes.FourCc(data, first.DataOffset + 24) : "?";
                sink.Add(FindingKinds.JumbfOther, FindingStrength.NeutralFact, $"APP11 JUMBF box (instance {en}) that is not a C2PA store (type starts '{what}').", context.At("APP11", first.Offset), ("box_instance", en.ToString(CultureInfo.InvariantCulture)), ("segments", parts.Count.ToString(CultureInfo.InvariantCulture)));
                continue;
            }

            string? problem = null;
            long total = first.DataLength - 8;
            for (int i = 0; i < parts.Count; i++)
            {
                if (parts[i].Z != (uint)(i + 1))
                {
                    problem ??= $"APP11 segments of box instance {en} have sequence number {parts[i].Z} where {i + 1} was expected (missing or duplicate segment)";
                }

                if (i > 0)
                {
                    if (parts[i].Chunk.DataLength < 16)
                    {
                        problem ??= $"APP11 continuation segment at offset {parts[i].Chunk.Offset} is too short to hold the repeated box header";
                        continue;
                    }

                    total += parts[i].Chunk.DataLength - 16;
                }
            }

            if (total > context.Options.MaxC2paStoreBytes)
            {
                sink.Add(FindingKinds.C2paMalformed, FindingStrength.Malformed, $"C2PA store present at offset {first.Offset} but larger than the {context.Options.MaxC2paStoreBytes}-byte cap; not read.", context.At("APP11", first.Offset), ("store_bytes", total.ToString(CultureInfo.InvariantCulture)));
                continue;
            }

            byte[] buffer = new byte[total];
            C2paStore store = new(buffer, parts.Count > 1 ? $"APP11 ({parts.Count} segments)" : "APP11", first.Offset);
            int at = 0;
            for (int i = 0; i < parts.Count; i++)
            {
                ContainerChunk chunk = parts[i].Chunk;
                int skip = i == 0 ? 8 : 16;
                if (chunk.DataLength < skip)
                {
                    continue;
                }

                int length = chunk.DataLength - skip;
                data.Slice(chunk.DataOffset + skip, length).CopyTo(buffer.AsSpan(at));
                store.Map(at, chunk.DataOffset + skip, length);
                at += length;
            }

            if (problem is not null)
            {
                sink.Add(FindingKinds.C2paMalformed, FindingStrength.Malformed, $"C2PA store present but malformed at offset {first.Offset}: {problem}.", context.At("APP11", first.Offset));
            }

            stores.Add(store);
        }
    }
}
