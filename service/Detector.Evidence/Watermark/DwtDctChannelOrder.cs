namespace Detector.Evidence.Watermark;

/// <summary>Which chroma plane the decoder reads.</summary>
public enum DwtDctChannelOrder
{
    /// <summary>
    /// The reference: U of the pixels as they are (the decoder sees them as <c>cv2.imread</c> would, in BGR order).
    /// This is how the Stability and FLUX reference scripts and diffusers since February 2024 embed.
    /// </summary>
    Reference = 0,

    /// <summary>
    /// U computed with red and blue swapped: where an embedder handed RGB pixels to the BGR-expecting library,
    /// as diffusers' SDXL pipelines did before the February 2024 fix (huggingface/diffusers#7013).
    /// A second order doubles the chance of a match by luck; report it as its own result.
    /// </summary>
    Swapped = 1,
}
