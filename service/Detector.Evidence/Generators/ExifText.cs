using System.Text;
using Detector.Evidence.Internal;

namespace Detector.Evidence.Generators;

/// <summary>Decoding of EXIF text fields that carry generation parameters.</summary>
internal static class ExifText
{
    /// <summary>
    /// EXIF UserComment: an 8-byte character code ("ASCII", "UNICODE", "JIS" or undefined) then the text. UNICODE is
    /// UTF-16 in either byte order in the wild (A1111 writes big-endian); the order is chosen from a byte-order mark,
    /// else from where the zero bytes of ASCII-range characters fall, else the TIFF byte order.
    /// </summary>
    public static string? UserComment(ReadOnlySpan<byte> value, bool tiffLittleEndian, out string encoding)
    {
        encoding = "undefined";
        if (value.Length < 8)
        {
            return Clean(Bytes.Utf8OrLatin1(value));
        }

        ReadOnlySpan<byte> body = value[8..];
        if (Bytes.HasAscii(value, 0, "UNICODE\0"))
        {
            bool bigEndian = ChooseBigEndian(body, tiffLittleEndian);
            encoding = bigEndian ? "UNICODE (UTF-16BE)" : "UNICODE (UTF-16LE)";
            if (body.Length >= 2 && ((body[0] == 0xFE && body[1] == 0xFF) || (body[0] == 0xFF && body[1] == 0xFE)))
            {
                body = body[2..];
            }

            int even = body.Length & ~1;
            return Clean((bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetString(body[..even]));
        }

        if (Bytes.HasAscii(value, 0, "ASCII\0\0\0"))
        {
            encoding = "ASCII";
            return Clean(Bytes.Utf8OrLatin1(body));
        }

        if (Bytes.HasAscii(value, 0, "JIS\0\0\0\0\0"))
        {
            encoding = "JIS (not decoded)";
            return null;
        }

        if (value[..8].IndexOfAnyExcept((byte)0) < 0)
        {
            return Clean(Bytes.Utf8OrLatin1(body));
        }

        return Clean(Bytes.Utf8OrLatin1(value));
    }

    /// <summary>EXIF XPComment and friends: UTF-16LE.</summary>
    public static string? Utf16Le(ReadOnlySpan<byte> value) => Clean(Encoding.Unicode.GetString(value[..(value.Length & ~1)]));

    private static bool ChooseBigEndian(ReadOnlySpan<byte> body, bool tiffLittleEndian)
    {
        if (body.Length >= 2)
        {
            if (body[0] == 0xFE && body[1] == 0xFF)
            {
                return true;
            }

            if (body[0] == 0xFF && body[1] == 0xFE)
            {
                return false;
            }
        }

        int evenZeros = 0;
        int oddZeros = 0;
        int limit = Math.Min(body.Length & ~1, 512);
        for (int i = 0; i < limit; i += 2)
        {
            if (body[i] == 0 && body[i + 1] != 0)
            {
                evenZeros++;
            }
            else if (body[i + 1] == 0 && body[i] != 0)
            {
                oddZeros++;
            }
        }

        if (evenZeros != oddZeros)
        {
            return evenZeros > oddZeros;
        }

        return !tiffLittleEndian;
    }

    private static string? Clean(string text)
    {
        string trimmed = text.TrimEnd('\0', ' ').TrimStart('\0');
        return trimmed.Length == 0 ? null : trimmed;
    }
}
