namespace Detector.Evidence.Model;

/// <summary>Limits of the evidence layer. Every parser reads untrusted bytes, so every size and depth has a cap here.</summary>
public sealed class EvidenceOptions
{
    /// <summary>Files larger than this are not examined (a neutral finding says so). Default 256 MiB.</summary>
    public int MaxInputBytes { get; set; } = 256 * 1024 * 1024;

    /// <summary>Wall-clock budget of one extractor; past it the extractor stops and reports so. Default 2 s.</summary>
    public TimeSpan ExtractorTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most bytes one compressed text chunk or gzip payload may inflate to. Default 4 MiB.</summary>
    public int MaxInflatedBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest XMP packet parsed (characters). Default 4 MiB.</summary>
    public int MaxXmpBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest reassembled C2PA/JUMBF store. Default 32 MiB.</summary>
    public int MaxC2paStoreBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Deepest JUMBF superbox nesting followed (C2PA needs 4). Default 16.</summary>
    public int MaxJumbfDepth { get; set; } = 16;

    /// <summary>Most JUMBF boxes read in one store. Default 10,000.</summary>
    public int MaxJumbfBoxes { get; set; } = 10_000;

    /// <summary>Deepest CBOR/JSON nesting decoded. Default 32.</summary>
    public int MaxStructureDepth { get; set; } = 32;

    /// <summary>Most CBOR items decoded in one claim or assertion. Default 100,000.</summary>
    public int MaxCborItems { get; set; } = 100_000;

    /// <summary>Most chunks or segments walked in one container. Default 200,000.</summary>
    public int MaxContainerChunks { get; set; } = 200_000;

    /// <summary>Most pixels decoded to look for NovelAI's alpha-channel copy. Default 40 megapixels.</summary>
    public long MaxStealthPixels { get; set; } = 40_000_000;

    /// <summary>Longest text value kept in a finding (prompts are cut with a note). Default 8,192 characters.</summary>
    public int MaxValueLength { get; set; } = 8192;

    /// <summary>Most findings one extractor may report; the rest are counted in one extra finding. Default 200.</summary>
    public int MaxFindingsPerExtractor { get; set; } = 200;

    /// <summary>Run the invisible-watermark decoder when pixels are given. Default true.</summary>
    public bool EnableWatermark { get; set; } = true;

    /// <summary>Compute the PDQ perceptual hash when pixels are given. Default true.</summary>
    public bool EnablePdqHash { get; set; } = true;

    /// <summary>A new instance with the defaults (never shared, so no caller can change another's limits).</summary>
    public static EvidenceOptions Default => new();

    /// <summary>Problems with the option values, or an empty list when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        List<string> problems = [];
        Check(MaxInputBytes > 0, nameof(MaxInputBytes));
        Check(ExtractorTimeout > TimeSpan.Zero, nameof(ExtractorTimeout));
        Check(MaxInflatedBytes > 0, nameof(MaxInflatedBytes));
        Check(MaxXmpBytes > 0, nameof(MaxXmpBytes));
        Check(MaxC2paStoreBytes > 0, nameof(MaxC2paStoreBytes));
        Check(MaxJumbfDepth is > 0 and <= 64, nameof(MaxJumbfDepth));
        Check(MaxJumbfBoxes > 0, nameof(MaxJumbfBoxes));
        Check(MaxStructureDepth is > 0 and <= 64, nameof(MaxStructureDepth));
        Check(MaxCborItems > 0, nameof(MaxCborItems));
        Check(MaxContainerChunks > 0, nameof(MaxContainerChunks));
        Check(MaxStealthPixels > 0, nameof(MaxStealthPixels));
        Check(MaxValueLength >= 16, nameof(MaxValueLength));
        Check(MaxFindingsPerExtractor > 0, nameof(MaxFindingsPerExtractor));
        return problems;

        void Check(bool ok, string name)
        {
            if (!ok)
            {
                problems.Add($"{name} is out of range.");
            }
        }
    }
}
