namespace Detector.Imaging.Decoding;

/// <summary>Limits applied to every input before and during decoding.</summary>
public sealed class ImagingOptions
{
    public const string SectionName = "Imaging";

    /// <summary>Largest accepted payload in bytes. Default 32 MiB.</summary>
    public long MaxBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Largest accepted declared width × height. Default 64 megapixels (64,000,000).</summary>
    public long MaxPixels { get; set; } = 64_000_000;
}
