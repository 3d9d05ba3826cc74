using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Detector.Engine.Batching;
using Detector.Engine.Hosting;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;
using HdrHistogram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Detector.Bench;

/// <summary>
/// What the machine can do without gRPC, with the engine's own parts and the server's thread budget (same configuration keys):
/// <list type="bullet">
/// <item>the in-process ceiling: WorkPool:Workers threads decode (ImageSharpDecoder) and preprocess (ImagePreprocessor) the same
/// images while one thread per batcher instance runs full batches of the server's max batch through the same OnnxModelSession;</item>
/// <item>the bare model ceiling: tensors built once, straight into OnnxModelSession.Run at a given batch size;</item>
/// <item>single-image latency: decode + preprocess + Run(batch 1), one image at a time;</item>
/// <item>the engine without gRPC: the server's own ScoringEngine and batcher, wired by AddDetectorEngine, under the same concurrency.</item>
/// </list>
/// </summary>
internal sealed class Ceilings : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ImageSet _images;
    private readonly ModelDefinition _model;
    private readonly OnnxModelSession _session;
    private readonly ImageSharpDecoder _decoder;
    private readonly PreprocessRecipe _recipe;
    private long _singleCursor;
    private long _pipelineCursor = -1;

    /// <summary>Evidence level of the engine row's requests: the same as the service's, so that the rows compare like with like.</summary>
    public EvidenceScope Evidence { get; init; } = EvidenceScope.Full;

    public Ceilings(IConfiguration configuration, ImageSet images, string model)
    {
        _configuration = configuration;
        _images = images;
        ModelRepositoryOptions repository = configuration.GetSection(ModelRepositoryOptions.SectionName).Get<ModelRepositoryOptions>() ?? new ModelRepositoryOptions();
        _model = ModelRepository.Load(repository).Single(m => m.Name == model);
        Inference = configuration.GetSection(InferenceOptions.SectionName).Get<InferenceOptions>() ?? new InferenceOptions();
        Batching = configuration.GetSection(BatchingOptions.SectionName).Get<BatchingOptions>() ?? new BatchingOptions();
        Workers = configuration.GetSection(WorkPoolOptions.SectionName).Get<WorkPoolOptions>()?.Workers is > 0 and int w ? w : Environment.ProcessorCount;
        _session = new OnnxModelSession(_model, Inference, new OrtExecutionProviderProbe());
        _decoder = new ImageSharpDecoder(configuration.GetSection(ImagingOptions.SectionName).Get<ImagingOptions>() ?? new ImagingOptions());
        _recipe = _model.Manifest.Recipe;
        Settings = Batching.For(_model.Name, _model.Manifest.MaxBatchSize, onGpu: _session.Provider.Provider == ExecutionProviderSelector.Cuda);
    }

    public InferenceOptions Inference { get; }

    /// <summary>
    /// Diagnostic only: an idle pause after each in-process single image, as a service idles between requests at c=1
    /// (the time its client and gRPC take). Shows how much of the c=1 gap is the hot back-to-back loop itself; never used for
    /// the target's figure.
    /// </summary>
    public TimeSpan SingleImageIdle { get; init; }

    public BatchingOptions Batching { get; }

    public ModelBatchingSettings Settings { get; }

    public int Workers { get; }

    public int ManifestMaxBatch => _model.Manifest.MaxBatchSize;

    public string Provider => _session.Provider.Provider;

    /// <summary>
    /// Decode + preprocess on <see cref="Workers"/> threads, full batches of <paramref name="maxBatch"/> on one thread per instance.
    /// Carries on through the set where the previous call stopped, as the service's sequence does: a slice of a few seconds
    /// covers a few passes and a fraction of one, and restarting at image 0 would give every slice the same fraction.
    /// </summary>
    public PhaseResult Pipeline(int maxBatch, TimeSpan warmUp, TimeSpan duration)
    {
        BlockingCollection<Tensor> ready = new(Math.Max(2, maxBatch * 2));
        long inferredInWindow = 0;
        int stop = 0;
        long start = Stopwatch.GetTimestamp();
        long windowStart = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        long windowEnd = windowStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        Exception? failure = null;

        void Produce()
        {
            try
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    BenchImage image = _images[Interlocked.Increment(ref _pipelineCursor)];
                    Tensor tensor = Prepare(image);
                    while (!ready.TryAdd(tensor, 50))
                    {
                        if (Volatile.Read(ref stop) != 0)
                        {
                            ArrayPool<float>.Shared.Return(tensor.Data);
                            return;
                        }
                    }
                }
            }
            catch (Exception ex)
            {
                failure ??= ex;
                Volatile.Write(ref stop, 1);
            }
        }

        void Flush(List<Tensor> batch)
        {
            RunBatch(batch);
            int count = batch.Count;
            ReturnAll(batch);
            if (Stopwatch.GetTimestamp() is long now && now >= windowStart && now <= windowEnd)
            {
                Interlocked.Add(ref inferredInWindow, count);
            }
        }

        void Consume()
        {
            List<Tensor> batch = new(maxBatch);
            try
            {
                while (Stopwatch.GetTimestamp() < windowEnd && failure is null)
                {
                    while (batch.Count < maxBatch && ready.TryTake(out Tensor? next, 50))
                    {
                        if (batch.Count > 0 && (next.Height != batch[0].Height || next.Width != batch[0].Width))
                        {
                            Flush(batch);
                        }

                        batch.Add(next);
                    }

                    if (batch.Count == maxBatch || (batch.Count > 0 && Stopwatch.GetTimestamp() >= windowEnd))
                    {
                        Flush(batch);
                    }
                }
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
            finally
            {
                ReturnAll(batch);
            }
        }

        Thread[] producers = Enumerable.Range(0, Workers).Select(i => new Thread(Produce) { Name = $"decode-{i}", IsBackground = true }).ToArray();
        Thread[] consumers = Enumerable.Range(0, Settings.Instances).Select(i => new Thread(Consume) { Name = $"infer-{i}", IsBackground = true }).ToArray();
        foreach (Thread t in producers.Concat(consumers))
        {
            t.Start();
        }

        Thread.Sleep(warmUp);
        CpuSample cpuStart = ProcStats.Sample(null);
        foreach (Thread t in consumers)
        {
            t.Join();
        }

        CpuSample cpuEnd = ProcStats.Sample(null);
        Volatile.Write(ref stop, 1);
        foreach (Thread t in producers)
        {
            t.Join();
        }

        while (ready.TryTake(out Tensor? left))
        {
            ArrayPool<float>.Shared.Return(left.Data);
        }

        ready.Dispose();
        if (failure is not null)
        {
            throw new InvalidOperationException($"in-process pipeline failed: {failure.Message}", failure);
        }

        (_, double bench, double other) = ProcStats.Cores(cpuStart, cpuEnd);
        return new PhaseResult
        {
            Name = $"in-process ceiling (decode+preprocess+ORT, {Workers} workers, batch {maxBatch})",
            Mode = "inproc-pipeline",
            BatchImages = maxBatch,
            Seconds = duration.TotalSeconds,
            Sent = inferredInWindow,
            Ok = inferredInWindow,
            ImagesPerSecond = inferredInWindow / duration.TotalSeconds,
            LatencyOf = "",
            BenchCores = bench,
            OtherCores = other,
            LoadAverage = ProcStats.LoadAverage(),
        };
    }

    /// <summary>Pre-built tensors of the first images, run back to back at <paramref name="batch"/>.</summary>
    public PhaseResult BareModel(int batch, TimeSpan duration)
    {
        List<Tensor> tensors = _images.Images.Take(Math.Max(batch, 1)).Select(Prepare).ToList();
        while (tensors.Count < batch)
        {
            tensors.Add(tensors[tensors.Count % _images.Count]);
        }

        int perImage = tensors[0].Length;
        float[] buffer = new float[batch * perImage];
        for (int i = 0; i < batch; i++)
        {
            tensors[i].Data.AsSpan(0, perImage).CopyTo(buffer.AsSpan(i * perImage));
        }

        foreach (Tensor t in tensors.Distinct())
        {
            ArrayPool<float>.Shared.Return(t.Data);
        }

        int height = tensors[0].Height;
        int width = tensors[0].Width;
        _session.Run(buffer, batch, height, width); // first run allocates ORT's buffers for this shape
        LongHistogram perBatch = new(1, 600_000_000, 3);
        long images = 0;
        CpuSample cpuStart = ProcStats.Sample(null);
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            long t0 = Stopwatch.GetTimestamp();
            _session.Run(buffer, batch, height, width);
            perBatch.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(t0).TotalMicroseconds));
            images += batch;
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        (_, double bench, double other) = ProcStats.Cores(cpuStart, ProcStats.Sample(null));
        return new PhaseResult
        {
            Name = $"bare model ceiling (OnnxModelSession.Run, batch {batch})",
            Mode = "bare-model",
            BatchImages = batch,
            Seconds = seconds,
            Sent = images,
            Ok = images,
            ImagesPerSecond = images / seconds,
            BenchCores = bench,
            OtherCores = other,
            LoadAverage = ProcStats.LoadAverage(),
        }.WithLatency(perBatch, "call");
    }

    /// <summary>One image at a time in the same order as the service phases: decode, preprocess, Run(batch 1).</summary>
    public PhaseResult SingleImage(TimeSpan duration, long maxImages)
    {
        // Carries on through the set where the previous call stopped, so short slices see every image in turn.
        LongHistogram latency = new(1, 600_000_000, 3);
        Tensor warm = Prepare(_images[0]);
        ArrayPool<float>.Shared.Return(warm.Data);
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long count = 0;
        long prepareTicks = 0;
        long runTicks = 0;
        CpuSample cpuStart = ProcStats.Sample(null);
        while (Stopwatch.GetTimestamp() < end && count < maxImages)
        {
            long t0 = Stopwatch.GetTimestamp();
            Tensor tensor = Prepare(_images[_singleCursor++]);
            long t1 = Stopwatch.GetTimestamp();
            try
            {
                _session.Run(tensor.Data.AsMemory(0, tensor.Length), 1, tensor.Height, tensor.Width);
                prepareTicks += t1 - t0;
                runTicks += Stopwatch.GetTimestamp() - t1;
            }
            finally
            {
                ArrayPool<float>.Shared.Return(tensor.Data);
            }

            latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(t0).TotalMicroseconds));
            count++;
            if (SingleImageIdle > TimeSpan.Zero)
            {
                Thread.Sleep(SingleImageIdle);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        (_, double bench, double other) = ProcStats.Cores(cpuStart, ProcStats.Sample(null));
        return new PhaseResult
        {
            Name = SingleImageIdle > TimeSpan.Zero
                ? $"in-process single image (decode+preprocess+ORT batch 1, one at a time, {SingleImageIdle.TotalMilliseconds:0.#} ms idle between images: diagnostic)"
                : "in-process single image (decode+preprocess+ORT batch 1, one at a time)",
            Mode = "inproc-single",
            Concurrency = 1,
            Seconds = seconds,
            Sent = count,
            Ok = count,
            ImagesPerSecond = count / seconds,

            // Decode column = decode + preprocess here (the server reports preprocessing inside its decode slot too).
            StageMeansMs = (MeanMs(prepareTicks, count), double.NaN, 0, MeanMs(runTicks, count)),
            BenchCores = bench,
            OtherCores = other,
            LoadAverage = ProcStats.LoadAverage(),
        }.WithLatency(latency, "image");
    }

    private static double MeanMs(long ticks, long count) => count == 0 ? double.NaN : ticks * 1000.0 / Stopwatch.Frequency / count;

    /// <summary>Exactly <paramref name="images"/> images, one at a time, starting at the set's first image (see LoadRunner.UnaryPassAsync).</summary>
    public PhaseResult SingleImagePass(int images)
    {
        _singleCursor = 0;
        return SingleImage(TimeSpan.FromMinutes(30), images);
    }

    /// <summary>The server's ScoringEngine (work pool, batcher, same options) in this process, <paramref name="concurrency"/> images in flight.</summary>
    public async Task<PhaseResult> EngineAsync(int concurrency, TimeSpan warmUp, TimeSpan duration, long maxRequests)
    {
        ServiceCollection services = new();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddDetectorEngine(_configuration);
        await using ServiceProvider provider = services.BuildServiceProvider();
        ModelHost host = provider.GetRequiredService<ModelHost>();
        host.WarmUp();
        ScoringEngine engine = provider.GetRequiredService<ScoringEngine>();
        Outcomes warm = new();
        await RunEngineAsync(engine, concurrency, warm, Stopwatch.GetTimestamp() + (long)(warmUp.TotalSeconds * Stopwatch.Frequency), maxRequests);
        Outcomes outcomes = new();
        CpuSample cpuStart = ProcStats.Sample(null);
        long start = Stopwatch.GetTimestamp();
        long stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        outcomes.CloseWindowAt(stopAt);
        await RunEngineAsync(engine, concurrency, outcomes, stopAt, maxRequests);
        (_, double bench, double other) = ProcStats.Cores(cpuStart, ProcStats.Sample(null));
        double window = Math.Min(duration.TotalSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
        return new PhaseResult
        {
            Name = $"engine without gRPC (ScoringEngine, c={concurrency}, evidence {Evidence.ToString().ToLowerInvariant()})",
            Mode = "engine",
            Concurrency = concurrency,
            Seconds = window,
            Sent = outcomes.Sent + warm.Sent,
            Ok = outcomes.Ok + warm.Ok,
            Rejected = outcomes.Rejected + warm.Rejected,
            Failed = outcomes.Failed + warm.Failed,
            Lost = outcomes.Lost + warm.Lost,
            Failures = outcomes.DescribeFailures(),
            ImagesPerSecond = outcomes.OkInWindow / window,
            BenchCores = bench,
            OtherCores = other,
            LoadAverage = ProcStats.LoadAverage(),
        }.WithLatency(outcomes.Latency, "image").WithServerTimings(outcomes);
    }

    public void Dispose() => _session.Dispose();

    private async Task RunEngineAsync(ScoringEngine engine, int concurrency, Outcomes o, long stopAt, long maxRequests)
    {
        long sequence = -1;
        long budget = maxRequests;
        string[] models = [_model.Name];
        Task[] workers = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            workers[i] = Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < stopAt && Interlocked.Decrement(ref budget) >= 0)
                {
                    long n = Interlocked.Increment(ref sequence);
                    BenchImage image = _images[n];
                    o.AddSent(1);
                    long t0 = Stopwatch.GetTimestamp();
                    Grpc.Core.StatusCode code = Grpc.Core.StatusCode.OK;
                    try
                    {
                        ImageScore score = await engine.ScoreAsync(new ScoringRequest(n.ToString(System.Globalization.CultureInfo.InvariantCulture), image.Data, models, WorkPriority.Interactive, Evidence: Evidence), CancellationToken.None);
                        o.RecordServerTimings(new Api.V1.Timings
                        {
                            WorkerWaitSeconds = score.Timings.WorkerWait.TotalSeconds,
                            DecodeSeconds = score.Timings.Decode.TotalSeconds,
                            PreprocessSeconds = score.Timings.Preprocess.TotalSeconds,
                            QueueSeconds = score.Timings.Queue.TotalSeconds,
                            InferenceSeconds = score.Timings.Inference.TotalSeconds,
                            TotalSeconds = score.Timings.Total.TotalSeconds,
                        });
                    }
                    catch (QueueFullException)
                    {
                        code = Grpc.Core.StatusCode.ResourceExhausted;
                    }
                    catch (Exception)
                    {
                        // Counted: any other failure of the engine is this image's failure.
                        code = Grpc.Core.StatusCode.Internal;
                    }

                    o.RecordLatency(t0);
                    o.Add(code);
                    if (code == Grpc.Core.StatusCode.ResourceExhausted)
                    {
                        await Task.Delay(20);
                    }
                }
            });
        }

        await Task.WhenAll(workers);
    }

    private Tensor Prepare(BenchImage image)
    {
        using DecodedImage decoded = _decoder.Decode(image.Data);
        (int height, int width) = ImagePreprocessor.TensorSize(_recipe, decoded.Width, decoded.Height);
        int length = _recipe.Channels * height * width;
        float[] data = ArrayPool<float>.Shared.Rent(length);
        ImagePreprocessor.Write(decoded, _recipe, data.AsSpan(0, length));
        return new Tensor(data, length, height, width);
    }

    private static void ReturnAll(List<Tensor> batch)
    {
        foreach (Tensor t in batch)
        {
            ArrayPool<float>.Shared.Return(t.Data);
        }

        batch.Clear();
    }

    /// <summary>
    /// Copies the batch into one pooled buffer (padded as the server pads) and runs it; the caller returns the tensors.
    /// A batch of one runs on the image's own tensor, without the copy, as the server's batcher does.
    /// </summary>
    private void RunBatch(List<Tensor> batch)
    {
        int perImage = batch[0].Length;
        int count = batch.Count;
        int padded = Settings.PaddedSize(count);
        if (padded == 1)
        {
            _session.Run(batch[0].Data.AsMemory(0, perImage), 1, batch[0].Height, batch[0].Width);
            return;
        }

        float[] buffer = ArrayPool<float>.Shared.Rent(padded * perImage);
        try
        {
            for (int i = 0; i < count; i++)
            {
                batch[i].Data.AsSpan(0, perImage).CopyTo(buffer.AsSpan(i * perImage, perImage));
            }

            Array.Clear(buffer, count * perImage, (padded - count) * perImage);
            _session.Run(buffer.AsMemory(0, padded * perImage), padded, batch[0].Height, batch[0].Width);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private sealed record Tensor(float[] Data, int Length, int Height, int Width);
}
