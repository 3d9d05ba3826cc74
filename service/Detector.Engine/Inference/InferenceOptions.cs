namespace Detector.Engine.Inference;

/// <summary>ONNX Runtime settings, read once at start-up.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>
    /// "auto" (default: CUDA when this build has the CUDA provider and a GPU answers, otherwise CPU),
    /// "cuda" (same, but a fallback to CPU is logged as a warning), or "cpu".
    /// </summary>
    public string ExecutionProvider { get; set; } = "auto";

    /// <summary>CUDA device id. Default 0.</summary>
    public int DeviceId { get; set; }

    /// <summary>
    /// Intra-op threads per session. Default 0 = one per core. Measured on the 2-core CPU machine (see bench/results).
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Inter-op threads per session. Default 1 (models here are sequential graphs).</summary>
    public int InterOpThreads { get; set; } = 1;

    /// <summary>
    /// Whether ORT worker threads spin while waiting for work. Default false: the same cores decode images,
    /// and spinning threads steal them (measured in bench/results).
    /// </summary>
    public bool AllowSpinning { get; set; }
}
