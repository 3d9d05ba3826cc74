namespace Detector.Evidence.Containers;

/// <summary>Recognises the container from its first bytes (magic numbers), never from a file name.</summary>
internal static class ContainerSniffer
{
    public static ContainerFormat Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ContainerFormat.Jpeg;
        }

        if (data.Length >= 8 && data[..8].SequenceEqual(PngWalker.Signature))
        {
            return ContainerFormat.Png;
        }

        if (data.Length >= 12 && Internal.Bytes.HasAscii(data, 0, "RIFF"))
        {
            return Internal.Bytes.HasAscii(data, 8, "WEBP") ? ContainerFormat.WebP : ContainerFormat.Riff;
        }

        if (data.Length >= 6 && (Internal.Bytes.HasAscii(data, 0, "GIF87a") || Internal.Bytes.HasAscii(data, 0, "GIF89a")))
        {
            return ContainerFormat.Gif;
        }

        if (data.Length >= 4 && ((data[0] == 'I' && data[1] == 'I' && data[2] == 42 && data[3] == 0) || (data[0] == 'M' && data[1] == 'M' && data[2] == 0 && data[3] == 42)))
        {
            return ContainerFormat.Tiff;
        }

        if (data.Length >= 2 && data[0] == 'B' && data[1] == 'M')
        {
            return ContainerFormat.Bmp;
        }

        if (data.Length >= 12 && Internal.Bytes.HasAscii(data, 4, "ftyp"))
        {
            if (Internal.Bytes.HasAscii(data, 8, "avif") || Internal.Bytes.HasAscii(data, 8, "avis"))
            {
                return ContainerFormat.Avif;
            }

            return ContainerFormat.Heif;
        }

        if ((data.Length >= 2 && data[0] == 0xFF && data[1] == 0x0A) || (data.Length >= 12 && Internal.Bytes.HasAscii(data, 4, "JXL ")))
        {
            return ContainerFormat.JpegXl;
        }

        return ContainerFormat.Unknown;
    }
}
