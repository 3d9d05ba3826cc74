namespace Detector.Evidence.Watermark;

/// <summary>How strongly a decode matches one payload (Stability's wording, <c>scripts/demo/detect.py</c>).</summary>
public enum DwtDctMatch
{
    /// <summary>No watermark detected (48 bits: at most 27 matching).</summary>
    None = 0,

    /// <summary>Partial match; cannot determine with certainty (48 bits: 28–33).</summary>
    Undetermined = 1,

    /// <summary>Likely watermarked (48 bits: 34–35; 0.02% of Stability's unmarked test images).</summary>
    Likely = 2,

    /// <summary>Very likely watermarked (48 bits: 36 or more; none of Stability's unmarked test images).</summary>
    VeryLikely = 3,
}
