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

    /// <summary>
    /// CUDA only: how cuDNN picks convolution algorithms for each new input shape: "EXHAUSTIVE" (ORT's default: times
    /// every algorithm once per shape), "HEURISTIC" or "DEFAULT".
    /// </summary>
    public string CudnnConvAlgoSearch { get; set; } = "EXHAUSTIVE";

    /// <summary>
    /// CUDA only: give each padded batch size (Batching:PadToSizes) its own session, so that no session ever sees its
    /// input shape change. Measured on an H200 (bench/results): one CUDA session fed alternating batch sizes ran a
    /// ResNet-50 batch 10–30× slower than the same session fed one size. Null (default) = on for CUDA with padding.
    /// The weights are held once per session on the GPU.
    /// </summary>
    public bool? SessionPerBatchSize { get; set; }
}
