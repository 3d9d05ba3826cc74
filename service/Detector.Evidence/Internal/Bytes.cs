using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Detector.Evidence.Internal;

/// <summary>Bounds-checked reads of untrusted bytes. Every method returns false or a default instead of reading past the end.</summary>
internal static class Bytes
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryU16BE(ReadOnlySpan<byte> data, int offset, out ushort value)
    {
        value = 0;
        if (offset < 0 || offset > data.Length - 2)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        return true;
    }

    public static bool TryU32BE(ReadOnlySpan<byte> data, int offset, out uint value)
    {
        value = 0;
        if (offset < 0 || offset > data.Length - 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
        return true;
    }

    public static bool TryU32LE(ReadOnlySpan<byte> data, int offset, out uint value)
    {
        value = 0;
        if (offset < 0 || offset > data.Length - 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
        return true;
    }

    public static bool TryU64BE(ReadOnlySpan<byte> data, int offset, out ulong value)
    {
        value = 0;
        if (offset < 0 || offset > data.Length - 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(data[offset..]);
        return true;
    }

    /// <summary>True when <paramref name="data"/> holds <paramref name="ascii"/> at <paramref name="offset"/>.</summary>
    public static bool HasAscii(ReadOnlySpan<byte> data, int offset, string ascii)
    {
        if (offset < 0 || offset > data.Length - ascii.Length)
        {
            return false;
        }

        for (int i = 0; i < ascii.Length; i++)
        {
            if (data[offset + i] != (byte)ascii[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Four bytes as printable text ("tEXt", "APP1"); non-printable bytes become '?'.</summary>
    public static string FourCc(ReadOnlySpan<byte> data, int offset)
    {
        if (offset < 0 || offset > data.Length - 4)
        {
            return "????";
        }

        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            byte b = data[offset + i];
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }

        return new string(chars);
    }

    /// <summary>Decodes UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise (tools write both into PNG tEXt).</summary>
    public static string Utf8OrLatin1(ReadOnlySpan<byte> data)
    {
        try
        {
            return StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(data);
        }
    }

    /// <summary>UTF-8 text with each byte of an invalid sequence written as <c>\xHH</c>, so nothing is lost or replaced.</summary>
    public static string Utf8Escaped(ReadOnlySpan<byte> data)
    {
        StringBuilder builder = new(data.Length + 16);
        Span<char> utf16 = stackalloc char[2];
        while (!data.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(data, out Rune rune, out int consumed);
            if (status == OperationStatus.Done)
            {
                builder.Append(utf16[..rune.EncodeToUtf16(utf16)]);
            }
            else
            {
                for (int i = 0; i < consumed; i++)
                {
                    builder.Append("\\x").Append(data[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            data = data[consumed..];
        }

        return builder.ToString();
    }

    /// <summary>How text whose bytes are not valid UTF-8 is shown in summaries and values: escaped (<see cref="Utf8Escaped"/>) and said so.</summary>
    public static string MarkedNotUtf8(string escaped) => escaped + " (not valid UTF-8)";

    /// <summary>The problem text of a malformed finding for <paramref name="what"/>, whose bytes are not valid UTF-8.</summary>
    public static string NotUtf8Problem(string what, string escaped) => $"{what} is not valid UTF-8 (invalid bytes shown as \\xHH): {escaped}";

    /// <summary>UTF-8 with replacement characters for invalid sequences.</summary>
    public static string Utf8Lenient(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);

    /// <summary>Index of the first zero byte at or after <paramref name="start"/>, or -1.</summary>
    public static int IndexOfNul(ReadOnlySpan<byte> data, int start)
    {
        if (start < 0 || start >= data.Length)
        {
            return -1;
        }

        int index = data[start..].IndexOf((byte)0);
        return index < 0 ? -1 : start + index;
    }

    /// <summary>Text without control characters other than newline and tab; for values shown to people.</summary>
    public static string Printable(string text)
    {
        bool clean = true;
        foreach (char c in text)
        {
            if (char.IsControl(c) && c != '\n' && c != '\t' && c != '\r')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        StringBuilder builder = new(text.Length);
        foreach (char c in text)
        {
            builder.Append(char.IsControl(c) && c != '\n' && c != '\t' && c != '\r' ? '\uFFFD' : c);
        }

        return builder.ToString();
    }

    public static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(data);
}
