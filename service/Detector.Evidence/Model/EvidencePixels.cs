namespace Detector.Evidence.Model;

/// <summary>
/// Pixels the service already decoded: interleaved RGB8, row-major, <c>Width * Height * 3</c> bytes.
/// The evidence layer reuses them (watermark, hash, RGB stealth copy) instead of decoding again.
/// </summary>
public sealed class EvidencePixels
{
    public EvidencePixels(int width, int height, ReadOnlyMemory<byte> rgb)
    {
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Interleaved R, G, B bytes.</summary>
    public ReadOnlyMemory<byte> Rgb { get; }

    /// <summary>True when the dimensions are positive and the buffer has exactly <c>Width * Height * 3</c> bytes.</summary>
    public bool IsConsistent => Width > 0 && Height > 0 && (long)Width * Height * 3 == Rgb.Length;
}
