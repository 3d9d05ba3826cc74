using Detector.Evidence.Model;

namespace Detector.Evidence.Containers;

/// <summary>Container formats the sniffer recognises.</summary>
internal enum ContainerFormat
{
    Unknown = 0,
    Jpeg,
    Png,
    WebP,
    Gif,
    Tiff,
    Bmp,
    Heif,
    Avif,
    JpegXl,
    Riff,
}

/// <summary>One segment, chunk or box of a container, as offsets into the file (no copies).</summary>
/// <param name="Type">"APP1", "tEXt", "EXIF"…</param>
/// <param name="Offset">Offset of the segment's header in the file.</param>
/// <param name="DataOffset">Offset of its payload.</param>
/// <param name="DataLength">Length of its payload (always inside the file).</param>
/// <param name="Marker">JPEG marker byte (0 for other containers).</param>
/// <param name="CrcValid">False for a PNG chunk whose CRC does not match.</param>
internal sealed record ContainerChunk(string Type, int Offset, int DataOffset, int DataLength, byte Marker = 0, bool CrcValid = true);

/// <summary>What a container walk found: the chunks, and any structural problems as findings.</summary>
internal sealed class ContainerScan
{
    public ContainerScan(ContainerFormat format)
    {
        Format = format;
    }

    public ContainerFormat Format { get; }

    public string Name => NameOf(Format);

    public List<ContainerChunk> Chunks { get; } = [];

    /// <summary>Structural problems and oddities (malformed lengths, bad CRCs, trailing data, several SOI/EOI).</summary>
    public List<Finding> Issues { get; } = [];

    /// <summary>JPEG: top-level start-of-image markers seen.</summary>
    public int SoiCount { get; set; }

    /// <summary>JPEG: top-level end-of-image markers seen.</summary>
    public int EoiCount { get; set; }

    /// <summary>Offset of bytes after the logical end (JPEG EOI, PNG IEND, RIFF size), or -1.</summary>
    public int TrailingOffset { get; set; } = -1;

    /// <summary>PNG: IHDR fields when present.</summary>
    public PngHeader? PngHeader { get; set; }

    /// <summary>True when the walk stopped early (truncation, cap, malformed length).</summary>
    public bool Incomplete { get; set; }

    public static string NameOf(ContainerFormat format) => format switch
    {
        ContainerFormat.Jpeg => "JPEG",
        ContainerFormat.Png => "PNG",
        ContainerFormat.WebP => "WebP",
        ContainerFormat.Gif => "GIF",
        ContainerFormat.Tiff => "TIFF",
        ContainerFormat.Bmp => "BMP",
        ContainerFormat.Heif => "HEIF",
        ContainerFormat.Avif => "AVIF",
        ContainerFormat.JpegXl => "JPEG XL",
        ContainerFormat.Riff => "RIFF",
        _ => "unknown",
    };

    public void AddIssue(string kind, FindingStrength strength, string summary, string? segment, long? offset, params FindingValue[] values)
        => Issues.Add(new Finding(kind, strength, summary, values, new FindingLocation(Name, segment, offset)));
}

/// <summary>The PNG IHDR fields.</summary>
internal sealed record PngHeader(int Width, int Height, byte BitDepth, byte ColorType, byte Interlace)
{
    public bool HasAlphaChannel => ColorType is 4 or 6;

    public int Channels => ColorType switch
    {
        0 => 1,
        2 => 3,
        3 => 1,
        4 => 2,
        6 => 4,
        _ => 0,
    };
}
