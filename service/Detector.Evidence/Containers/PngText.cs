using System.Text;
using Detector.Evidence.Internal;

namespace Detector.Evidence.Containers;

/// <summary>A decoded PNG text chunk. <see cref="Text"/> is null when it could not be read; <see cref="Problem"/> says why.</summary>
internal sealed record PngTextEntry(string ChunkType, int ChunkOffset, string Keyword, string? Text, string? Problem, bool Compressed, bool CrcValid);

/// <summary>
/// Decodes PNG tEXt, zTXt and iTXt chunks from their raw bytes (UTF-8 where the tool wrote UTF-8; compressed text
/// inflated under a size cap).
/// </summary>
internal static class PngText
{
    public static bool IsTextChunk(string type) => type is "tEXt" or "zTXt" or "iTXt";

    /// <summary>The keyword alone (cheap; no inflation), or null when the chunk has none.</summary>
    public static string? Keyword(ReadOnlySpan<byte> file, ContainerChunk chunk)
    {
        ReadOnlySpan<byte> data = file.Slice(chunk.DataOffset, chunk.DataLength);
        int nul = Bytes.IndexOfNul(data, 0);
        return nul is < 1 or > 79 ? null : Encoding.Latin1.GetString(data[..nul]);
    }

    public static PngTextEntry Decode(ReadOnlyMemory<byte> file, ContainerChunk chunk, int maxInflated, WorkBudget budget)
    {
        ReadOnlyMemory<byte> memory = file.Slice(chunk.DataOffset, chunk.DataLength);
        ReadOnlySpan<byte> data = memory.Span;
        int nul = Bytes.IndexOfNul(data, 0);
        if (nul < 1 || nul > 79)
        {
            return new PngTextEntry(chunk.Type, chunk.Offset, string.Empty, null, nul < 0 ? "no keyword terminator" : "keyword length outside 1..79", false, chunk.CrcValid);
        }

        string keyword = Encoding.Latin1.GetString(data[..nul]);
        switch (chunk.Type)
        {
            case "tEXt":
                return new PngTextEntry(chunk.Type, chunk.Offset, keyword, Bytes.Utf8OrLatin1(data[(nul + 1)..]), null, false, chunk.CrcValid);
            case "zTXt":
                {
                    if (data.Length < nul + 2)
                    {
                        return new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, "truncated before the compression method", true, chunk.CrcValid);
                    }

                    if (data[nul + 1] != 0)
                    {
                        return new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, $"unknown compression method {data[nul + 1]}", true, chunk.CrcValid);
                    }

                    return Inflated(chunk, keyword, memory[(nul + 2)..], maxInflated, budget, utf8Only: false);
                }

            case "iTXt":
                {
                    int pos = nul + 1;
                    if (data.Length < pos + 2)
                    {
                        return new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, "truncated before the compression flag", false, chunk.CrcValid);
                    }

                    byte flag = data[pos];
                    byte method = data[pos + 1];
                    int languageEnd = Bytes.IndexOfNul(data, pos + 2);
                    int translatedEnd = languageEnd < 0 ? -1 : Bytes.IndexOfNul(data, languageEnd + 1);
                    if (translatedEnd < 0)
                    {
                        return new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, "language tag or translated keyword not terminated", flag == 1, chunk.CrcValid);
                    }

                    ReadOnlyMemory<byte> text = memory[(translatedEnd + 1)..];
                    if (flag == 0)
                    {
                        return new PngTextEntry(chunk.Type, chunk.Offset, keyword, Bytes.Utf8Lenient(text.Span), null, false, chunk.CrcValid);
                    }

                    if (flag != 1 || method != 0)
                    {
                        return new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, $"unknown compression flag {flag} / method {method}", true, chunk.CrcValid);
                    }

                    return Inflated(chunk, keyword, text, maxInflated, budget, utf8Only: true);
                }

            default:
                return new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, "not a text chunk", false, chunk.CrcValid);
        }
    }

    private static PngTextEntry Inflated(ContainerChunk chunk, string keyword, ReadOnlyMemory<byte> compressed, int maxInflated, WorkBudget budget, bool utf8Only)
    {
        InflateStatus status = Inflate.Zlib(compressed, maxInflated, budget, out byte[] output);
        return status switch
        {
            InflateStatus.Ok => new PngTextEntry(chunk.Type, chunk.Offset, keyword, utf8Only ? Bytes.Utf8Lenient(output) : Bytes.Utf8OrLatin1(output), null, true, chunk.CrcValid),
            InflateStatus.ExceededCap => new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, $"inflates past the {maxInflated}-byte cap (possible zip bomb); not read", true, chunk.CrcValid),
            _ => new PngTextEntry(chunk.Type, chunk.Offset, keyword, null, "compressed text is corrupt", true, chunk.CrcValid),
        };
    }
}
