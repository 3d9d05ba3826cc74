namespace Detector.Evidence.Watermark;

/// <summary>Whether the decoder could read the image at all.</summary>
public enum DwtDctDecodeStatus
{
    /// <summary>Decoded; each payload has a result.</summary>
    Decoded = 0,

    /// <summary>
    /// Below the reference minimum of 256×256 pixels (rows × columns), or so thin that no 4×4 block of the
    /// half-resolution plane fits (a side under 8 pixels). The reference refuses the first and returns all-zero
    /// bits for the second; neither says anything about a watermark.
    /// </summary>
    TooSmall = 1,
}
