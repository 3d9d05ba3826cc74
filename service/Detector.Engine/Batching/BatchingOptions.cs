namespace Detector.Engine.Batching;

/// <summary>Dynamic batching settings; every field can be overridden per model under Batching:Models:NAME.</summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Batching";

    /// <summary>
    /// Images admitted per model and not yet in a running batch (waiting for a decode worker, decoding, or queued) before
    /// admission fails with RESOURCE_EXHAUSTED, on arrival. Default 256.
    /// </summary>
    public int QueueCapacity { get; set; } = 256;

    /// <summary>
    /// Longest time the oldest waiting image is held to fill a batch when a burst is arriving or the model is busy.
    /// A lone image reaching an idle model never waits. Default 2 ms.
    /// </summary>
    public double MaxDelayMilliseconds { get; set; } = 2;

    /// <summary>
    /// Largest batch on the CPU provider for models without their own <see cref="ModelBatchingOverrides.MaxBatchSize"/>;
    /// 0 = the manifest's maxBatchSize. Default 1: on CPU, ONNX Runtime already spreads one image over its threads and a
    /// batch pushes the activations out of the caches. On the 2-core machine, unary c=64 with batching off against the
    /// manifest's 16: MesoNet 1.22×, the default model 1.29–1.35×, a ResNet-50 neutral (bench/README.md). GPUs keep the
    /// manifest's maximum (ResNet-50 on an H200: batching 1.44×). Measure before raising it on a larger CPU machine.
    /// </summary>
    public int CpuMaxBatchSize { get; set; } = 1;

    /// <summary>Concurrent batches per model, one in flight per instance. Default 1 (on 2 cores one batch uses both).</summary>
    public int Instances { get; set; } = 1;

    /// <summary>
    /// Batch sizes to pad to (for GPUs, where every new shape costs a slow first run). Empty = no padding on CPU, and
    /// on CUDA the powers of two up to the maximum batch (see <see cref="DefaultGpuPadSizes"/>); there is no setting that
    /// turns padding off on CUDA (listing every size from 1 to the maximum comes closest). Sizes above the maximum batch
    /// are dropped and the maximum is added in their place; when every size is below the maximum, the largest caps the
    /// batch. Each size is warmed up before health reports serving.
    /// </summary>
    public IList<int> PadToSizes { get; } = [];

    /// <summary>Overrides per model name.</summary>
    public IDictionary<string, ModelBatchingOverrides> Models { get; } = new Dictionary<string, ModelBatchingOverrides>(StringComparer.Ordinal);

    /// <summary>
    /// Padding on CUDA when none is configured: 1, 2, 4, … up to the maximum batch (and the maximum itself). Measured on an
    /// H200 (bench/results/20261128-195931-gpu-meso4.md): MesoNet at 16 clients served 727 images/s padded this way
    /// against 169 unpadded, because every batch size the model has not seen costs a slow first run.
    /// </summary>
    public static int[] DefaultGpuPadSizes(int maxBatchSize)
    {
        List<int> sizes = [];
        for (int size = 1; size < maxBatchSize; size *= 2)
        {
            sizes.Add(size);
        }

        sizes.Add(Math.Max(1, maxBatchSize));
        return [.. sizes];
    }

    /// <summary>The effective settings for one model.</summary>
    /// <param name="model">The model's name (for per-model overrides).</param>
    /// <param name="maxBatchSize">The manifest's maximum batch.</param>
    /// <param name="onGpu">
    /// Whether the model runs on CUDA: then padding defaults to <see cref="DefaultGpuPadSizes"/>; otherwise
    /// <see cref="CpuMaxBatchSize"/> caps the batch unless the model has its own maximum.
    /// </param>
    public ModelBatchingSettings For(string model, int maxBatchSize, bool onGpu = false)
    {
        Models.TryGetValue(model, out ModelBatchingOverrides? o);
        int max = o?.MaxBatchSize is int own ? Math.Min(maxBatchSize, own)
            : !onGpu && CpuMaxBatchSize > 0 ? Math.Min(maxBatchSize, CpuMaxBatchSize)
            : maxBatchSize;
        IEnumerable<int> configured = o?.PadToSizes is { Count: > 0 } p ? p : PadToSizes;
        if (onGpu && !configured.Any() && max > 1)
        {
            configured = DefaultGpuPadSizes(max);
        }

        int[] pad = configured.Where(s => s > 0).Distinct().Order().ToArray();
        if (pad.Length > 0 && pad[^1] < max)
        {
            // Every batch must fit a padded size: when every declared size is below the maximum, the largest caps the batch.
            max = pad[^1];
        }
        else if (pad.Length > 0)
        {
            // Sizes above the maximum can never be formed; the maximum itself must be a padded size, or the batches
            // between the largest size kept and the maximum would run unpadded, without warm-up or a session of their own.
            pad = [.. pad.Where(s => s < max), max];
        }

        return new ModelBatchingSettings(
            Math.Max(1, o?.QueueCapacity ?? QueueCapacity),
            TimeSpan.FromMilliseconds(Math.Max(0, o?.MaxDelayMilliseconds ?? MaxDelayMilliseconds)),
            Math.Max(1, o?.Instances ?? Instances),
            Math.Max(1, max),
            pad);
    }
}

/// <summary>Per-model overrides; unset fields take the global value.</summary>
public sealed class ModelBatchingOverrides
{
    public int? QueueCapacity { get; set; }

    public double? MaxDelayMilliseconds { get; set; }

    public int? Instances { get; set; }

    /// <summary>Lower than the manifest's maxBatchSize, for example 1 to switch batching off.</summary>
    public int? MaxBatchSize { get; set; }

    public IList<int> PadToSizes { get; } = [];
}

/// <summary>Resolved batching settings of one model.</summary>
public sealed record ModelBatchingSettings(int QueueCapacity, TimeSpan MaxDelay, int Instances, int MaxBatchSize, int[] PadToSizes)
{
    /// <summary>The tensor batch size actually run for <paramref name="count"/> images.</summary>
    public int PaddedSize(int count)
    {
        foreach (int size in PadToSizes)
        {
            if (size >= count)
            {
                return size;
            }
        }

        return count;
    }

    /// <summary>Batch sizes to warm up: the padded sizes, or 1 and the maximum.</summary>
    public IReadOnlyList<int> WarmUpSizes => PadToSizes.Length > 0 ? PadToSizes : MaxBatchSize == 1 ? [1] : [1, MaxBatchSize];
}
