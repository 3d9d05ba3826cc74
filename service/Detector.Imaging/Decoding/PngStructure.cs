using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Detector.Imaging.Decoding;

/// <summary>
/// A guard ImageSharp 2.1 lacks (3.x has <c>MaxUncompressedAncillaryChunkSizeBytes</c>): its PNG decoder inflates every
/// zTXt and compressed iTXt chunk into a string, without a limit, in Identify and again in Decode, unless metadata is
/// ignored. A 64 KB chunk inflates to 64 MiB (1.7 GB allocated); 32 MiB of them to some 32 GB. The pixels do not depend
/// on those chunks.
/// </summary>
internal static class PngStructure
{
    private const int SignatureLength = 8;
    private const int ChunkOverhead = 12;

    // More compressed text chunks than this count as over the budget, so that the scan never inflates thousands of them.
    private const int MaxCompressedTextChunks = 64;

    /// <summary>
    /// True when the text chunks hold more than <paramref name="budget"/> bytes of text in all, compressed ones counted
    /// inflated (and inflated no further than the budget). A compressed text that does not inflate cleanly counts as over
    /// (a lenient decoder might still inflate it), and so do more than <see cref="MaxCompressedTextChunks"/> of them.
    /// A malformed chunk list ends the scan; the decoder then judges the file.
    /// </summary>
    public static bool TextExceeds(ReadOnlyMemory<byte> png, long budget)
    {
        ReadOnlySpan<byte> data = png.Span;
        long total = 0;
        int compressedChunks = 0;
        byte[]? scratch = null;
        int position = SignatureLength;
        while (position + ChunkOverhead <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            if (length > (uint)(data.Length - position - ChunkOverhead))
            {
                return false;
            }

            ReadOnlySpan<byte> type = data.Slice(position + 4, 4);
            int bodyStart = position + 8;
            ReadOnlySpan<byte> body = data.Slice(bodyStart, (int)length);
            if (type.SequenceEqual("IEND"u8))
            {
                return false;
            }

            int compressedAt = type.SequenceEqual("zTXt"u8) ? CompressedTextStartOfZtxt(body)
                : type.SequenceEqual("iTXt"u8) ? CompressedTextStartOfItxt(body)
                : -1;
            if (compressedAt >= 0)
            {
                if (++compressedChunks > MaxCompressedTextChunks)
                {
                    return true;
                }

                scratch ??= new byte[16 * 1024];
                total += InflatedLength(png.Slice(bodyStart + compressedAt, (int)length - compressedAt), budget - total, scratch);
            }
            else if (type.SequenceEqual("tEXt"u8) || type.SequenceEqual("iTXt"u8))
            {
                total += length;
            }

            if (total > budget)
            {
                return true;
            }

            position = bodyStart + (int)length + 4;
        }

        return false;
    }

    /// <summary>zTXt: keyword, NUL, compression method, then the zlib stream.</summary>
    private static int CompressedTextStartOfZtxt(ReadOnlySpan<byte> body)
    {
        int keywordEnd = body.IndexOf((byte)0);
        return keywordEnd < 0 || keywordEnd + 2 > body.Length ? -1 : keywordEnd + 2;
    }

    /// <summary>iTXt: keyword, NUL, compression flag, method, language tag, NUL, translated keyword, NUL, text (zlib when flagged).</summary>
    private static int CompressedTextStartOfItxt(ReadOnlySpan<byte> body)
    {
        int keywordEnd = body.IndexOf((byte)0);
        if (keywordEnd < 0 || keywordEnd + 3 > body.Length || body[keywordEnd + 1] == 0)
        {
            return -1;
        }

        int languageEnd = body[(keywordEnd + 3)..].IndexOf((byte)0);
        if (languageEnd < 0)
        {
            return -1;
        }

        int translatedStart = keywordEnd + 3 + languageEnd + 1;
        int translatedEnd = body[translatedStart..].IndexOf((byte)0);
        return translatedEnd < 0 ? -1 : translatedStart + translatedEnd + 1;
    }

    /// <summary>Bytes the zlib stream inflates to, counting no further than just past <paramref name="limit"/>.</summary>
    private static long InflatedLength(ReadOnlyMemory<byte> zlib, long limit, byte[] scratch)
    {
        if (zlib.Length < 2)
        {
            return 0;
        }

        // Past the two-byte zlib header (and a preset dictionary's id), as ImageSharp reads it, straight to the deflate data.
        int headerLength = (zlib.Span[1] & 0x20) != 0 ? 6 : 2;
        if (zlib.Length < headerLength)
        {
            return 0;
        }

        long inflated = 0;
        try
        {
            using Stream compressed = MemoryMarshal.TryGetArray(zlib[headerLength..], out ArraySegment<byte> segment) && segment.Array is not null
                ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(zlib[headerLength..].ToArray(), writable: false);
            using DeflateStream inflater = new(compressed, CompressionMode.Decompress);
            int read;
            while (inflated <= limit && (read = inflater.Read(scratch)) > 0)
            {
                inflated += read;
            }
        }
        catch (InvalidDataException)
        {
            return long.MaxValue / 2;
        }

        return inflated;
    }
}
