namespace Detector.Imaging.Decoding;

/// <summary>
/// A cheap structural check ImageSharp does not make: ImageSharp 2.1 decodes a JPEG whose scan data is cut off
/// and fills the missing blocks, where PIL (what the models were trained with) raises "image file is truncated".
/// </summary>
internal static class JpegStructure
{
    private const byte Marker = 0xFF;
    private const byte StartOfImage = 0xD8;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;

    /// <summary>
    /// True when an end-of-image marker follows the first start-of-scan. Segments before the scan are skipped by
    /// their lengths (an EXIF thumbnail's own EOI does not count); inside entropy-coded data a 0xFF byte is always
    /// stuffed (FF 00) or a restart marker, so FF D9 there can only be the real end. Trailing bytes after it are allowed.
    /// </summary>
    public static bool HasEndOfImageAfterScan(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != Marker || data[1] != StartOfImage)
        {
            return false;
        }

        int position = 2;
        while (position + 1 < data.Length)
        {
            if (data[position] != Marker)
            {
                return false;
            }

            byte marker = data[position + 1];
            if (marker == Marker)
            {
                // Fill byte before a marker.
                position++;
                continue;
            }

            if (marker == StartOfScan)
            {
                return data[(position + 2)..].IndexOf([Marker, EndOfImage]) >= 0;
            }

            if (marker == EndOfImage)
            {
                // An image that ends before any scan has no pixels.
                return false;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                // Markers without a length field.
                position += 2;
                continue;
            }

            if (position + 3 >= data.Length)
            {
                return false;
            }

            int length = (data[position + 2] << 8) | data[position + 3];
            if (length < 2)
            {
                return false;
            }

            position += 2 + length;
        }

        return false;
    }
}
