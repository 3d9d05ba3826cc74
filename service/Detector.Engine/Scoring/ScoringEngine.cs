using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using Detector.Engine.Batching;
using Detector.Engine.Models;
using Detector.Engine.Telemetry;
using Detector.Evidence;
using Detector.Evidence.Model;
using Detector.Evidence.Verdict;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;

namespace Detector.Engine.Scoring;

/// <summary>
/// The scoring flow for one image: validate the model names, hash, decode once (worker pool), preprocess per model straight
/// into a pooled tensor (worker pool), queue each tensor on its model's batcher, run the evidence layer on the same pixels
/// while the models work, then compose the verdict from findings and scores.
/// Knows nothing about gRPC: failures are typed exceptions (<see cref="ImageRejectedException"/>, <see cref="UnknownModelException"/>,
/// <see cref="QueueFullException"/>, <see cref="DeadlineExceededException"/>, <see cref="ServiceStoppingException"/>, <see cref="EngineNotReadyException"/>).
/// </summary>
public sealed class ScoringEngine
{
    private readonly ModelHost _host;
    private readonly IImageDecoder _decoder;
    private readonly CpuWorkPool _pool;

    public ScoringEngine(ModelHost host, IImageDecoder decoder, CpuWorkPool pool)
    {
        _host = host;
        _decoder = decoder;
        _pool = pool;
    }

    public ModelHost Host => _host;

    /// <summary>The models a request names, or the defaults. Throws <see cref="UnknownModelException"/>.</summary>
    public IReadOnlyList<LoadedModel> ResolveModels(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return _host.Defaults;
        }

        LoadedModel[] models = new LoadedModel[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            if (!_host.TryGet(names[i], out models[i]))
            {
                throw new UnknownModelException(names[i], _host.Models.Select(m => m.Name));
            }
        }

        return models.DistinctBy(m => m.Name).ToArray();
    }

    public async Task<ImageScore> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        IReadOnlyList<LoadedModel> models = ResolveModels(request.Models);
        if (_host.IsDraining)
        {
            throw new ServiceStoppingException();
        }

        if (!_host.IsReady)
        {
            throw new EngineNotReadyException();
        }

        string sha256 = Convert.ToHexStringLower(SHA256.HashData(request.Data.Span));
        long decodeStart = Stopwatch.GetTimestamp();
        DecodedImage image;
        try
        {
            image = await _pool.RunAsync(static s => s.Decoder.Decode(s.Data), (Decoder: _decoder, request.Data), cancellationToken).ConfigureAwait(false);
        }
        catch (ImageRejectedException ex)
        {
            EngineMetrics.InvalidImages.WithLabels(ex.Rejection.ToString()).Inc();
            foreach (LoadedModel model in models)
            {
                EngineMetrics.Requests.WithLabels(model.Name, EngineMetrics.Outcome.Invalid).Inc();
            }

            throw;
        }

        TimeSpan decode = Stopwatch.GetElapsedTime(decodeStart);
        EngineMetrics.Decode.Observe(decode.TotalSeconds);

        ImageFacts facts = new(sha256, image.Header.FormatName, image.Header.Width, image.Header.Height, request.Data.Length, image.Header.ColorModel, image.Header.BitsPerPixel, image.Header.ExifOrientation);
        Task<BatchResult>[] pending = new Task<BatchResult>[models.Count];
        TimeSpan preprocess = TimeSpan.Zero;
        EvidenceReport? evidence = null;
        TimeSpan evidenceTime = TimeSpan.Zero;

        // If one model refuses the image (queue full), the others must not spend inference on it.
        using CancellationTokenSource abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            using (image)
            {
                for (int i = 0; i < models.Count; i++)
                {
                    long preStart = Stopwatch.GetTimestamp();
                    (float[] tensor, int length, int height, int width) = await _pool.RunAsync(static s => Preprocess(s.Image, s.Recipe), (Image: image, models[i].Manifest.Recipe), abandon.Token).ConfigureAwait(false);
                    TimeSpan took = Stopwatch.GetElapsedTime(preStart);
                    preprocess += took;
                    EngineMetrics.Preprocess.Observe(took.TotalSeconds);
                    pending[i] = models[i].Batcher.EnqueueAsync(tensor, length, height, width, request.Priority, request.Deadline, abandon.Token);
                }

                if (request.WithEvidence)
                {
                    // Beside queueing and inference, on the same pixels; the image is released once both are done with it.
                    long evidenceStart = Stopwatch.GetTimestamp();
                    evidence = await _pool.RunAsync(static s => EvidenceAnalyzer.Analyze(s.Data, new EvidencePixels(s.Image.Width, s.Image.Height, s.Image.RgbMemory)), (request.Data, Image: image), abandon.Token).ConfigureAwait(false);
                    evidenceTime = Stopwatch.GetElapsedTime(evidenceStart);
                    EngineMetrics.Evidence.Observe(evidenceTime.TotalSeconds);
                }
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            throw;
        }

        List<ModelScoreResult> scores = new(models.Count);
        TimeSpan queue = TimeSpan.Zero;
        TimeSpan inference = TimeSpan.Zero;
        for (int i = 0; i < models.Count; i++)
        {
            BatchResult result = pending[i].Result;
            ModelManifest manifest = models[i].Manifest;
            float score = ScoreRule.Apply(manifest.Output, result.Raw);
            float[] raw = manifest.Output.Kind == OutputKind.Map ? [] : result.Raw;
            scores.Add(new ModelScoreResult(manifest.Name, manifest.Version, manifest.Task, score, manifest.Threshold, score >= manifest.Threshold, raw, models[i].Definition.FileSha256));
            queue = queue > result.QueueWait ? queue : result.QueueWait;
            inference = inference > result.Inference ? inference : result.Inference;
            EngineMetrics.Requests.WithLabels(manifest.Name, EngineMetrics.Outcome.Success).Inc();
        }

        TimeSpan total = Stopwatch.GetElapsedTime(start);
        EngineMetrics.EndToEnd.Observe(total.TotalSeconds);
        EvidenceVerdict verdict = VerdictComposer.Compose(evidence?.Findings, scores.Select(ToEvidenceScore).ToArray());
        return new ImageScore(request.Id, facts, scores, verdict, evidence, new StageTimings(decode, preprocess, queue, inference, evidenceTime, total));
    }

    private static ModelScore ToEvidenceScore(ModelScoreResult s) => new(s.Model, s.Task.ToWireName(), s.Score, s.Threshold, s.Positive);

    /// <summary>Writes one image's tensor into a pooled buffer that the batcher takes over.</summary>
    private static (float[] Tensor, int Length, int Height, int Width) Preprocess(DecodedImage image, PreprocessRecipe recipe)
    {
        (int height, int width) = ImagePreprocessor.TensorSize(recipe, image.Width, image.Height);
        int length = checked(recipe.Channels * height * width);
        float[] tensor = ArrayPool<float>.Shared.Rent(length);
        try
        {
            ImagePreprocessor.Write(image, recipe, tensor.AsSpan(0, length));
        }
        catch
        {
            ArrayPool<float>.Shared.Return(tensor);
            throw;
        }

        return (tensor, length, height, width);
    }
}
