namespace Detector.Imaging.Decoding;

/// <summary>
/// Turns untrusted encoded bytes into RGB8 pixels. Implementations check the byte and pixel limits
/// from the header before decoding and throw only <see cref="ImageRejectedException"/> for bad input.
/// Thread-safe.
/// </summary>
public interface IImageDecoder
{
    /// <summary>Reads the header only and enforces the limits. Throws <see cref="ImageRejectedException"/>.</summary>
    ImageHeader Identify(ReadOnlyMemory<byte> data);

    /// <summary>Identifies, enforces the limits, then decodes (first frame only). Throws <see cref="ImageRejectedException"/>.</summary>
    DecodedImage Decode(ReadOnlyMemory<byte> data);
}
