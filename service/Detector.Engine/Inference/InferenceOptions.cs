namespace Detector.Engine.Inference;

/// <summary>ONNX Runtime settings, read once at start-up.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>
    /// "auto" (default: CUDA when this build has the CUDA provider and a GPU answers, otherwise CPU, also when the
    /// session cannot be created on the GPU; the reason is logged and shown by ListModels), "cuda" (the same, but a
    /// fallback to CPU is logged as a warning), or "cpu".
    /// </summary>
    public string ExecutionProvider { get; set; } = "auto";

    /// <summary>CUDA device id. Default 0.</summary>
    public int DeviceId { get; set; }

    /// <summary>
    /// Intra-op threads per session. Default 0 = <see cref="AutoIntraOpThreads"/>: on CPU half the cores (at least one),
    /// because the decode workers use the cores too; on CUDA, ORT's default. Measured on the 2-core machine with nothing
    /// else running (bench/results/20261128-203446-ort-threads.md): 1 thread without spinning served 136.7 images/s at 64
    /// clients and 107.8 at 16, against 123.9 and 96.9 with 2 threads (ORT's one per core); spinning lost in both.
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>The intra-op thread count that 0 stands for on CPU: half the cores, at least one.</summary>
    public static int AutoIntraOpThreads => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Inter-op threads per session. Default 1 (models here are sequential graphs).</summary>
    public int InterOpThreads { get; set; } = 1;

    /// <summary>
    /// Whether ORT worker threads spin while waiting for work. Default false: the same cores decode images, and
    /// spinning threads steal them (bench/results/20261128-203446-ort-threads.md: spinning lost 2.4–16 %).
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
