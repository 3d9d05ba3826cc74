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
/// The scoring flow for one image: validate the model names, take a place in each model's queue (refused at once when
/// full), hash, then in one worker-pool slot decode once, preprocess per model straight into a pooled tensor, queue each
/// tensor on its model's batcher and run the evidence layer on the same pixels while the models work; then compose the
/// verdict from findings and scores.
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

    /// <summary>
    /// Throws <see cref="ServiceStoppingException"/> once a drain started, <see cref="EngineNotReadyException"/> while
    /// models warm up: a bulk call checks it once up front, so the whole call is refused (and retried) at once. The
    /// <paramref name="images"/> it carries are counted as unavailable for each of <paramref name="models"/>.
    /// </summary>
    public void EnsureAccepting(IReadOnlyList<LoadedModel> models, int images)
    {
        Exception? refusal = _host.IsDraining ? new ServiceStoppingException()
            : !_host.IsReady ? new EngineNotReadyException()
            : null;
        if (refusal is null)
        {
            return;
        }

        CountOutcome(models, EngineMetrics.Outcome.Unavailable, from: 0, images);
        throw refusal;
    }

    /// <summary>
    /// Counts <paramref name="images"/> that the API refused before handing them over (no image, an id too long, an
    /// unknown evidence level) as invalid for each model the request names, or the defaults. A model list that does not
    /// resolve counts for no model, as in <see cref="ScoreAsync"/>.
    /// </summary>
    public void CountInvalid(IReadOnlyList<string> modelNames, int images = 1)
    {
        IReadOnlyList<LoadedModel> models;
        try
        {
            models = ResolveModels(modelNames);
        }
        catch (UnknownModelException)
        {
            return;
        }

        CountOutcome(models, EngineMetrics.Outcome.Invalid, from: 0, images);
    }

    public async Task<ImageScore> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        IReadOnlyList<LoadedModel> models = ResolveModels(request.Models);
        EnsureAccepting(models, images: 1);
        if (request.Deadline is { } deadline && deadline <= _host.Time.GetUtcNow())
        {
            // Nothing to gain from hashing and decoding an image whose answer nobody waits for any more.
            CountAbandoned(models, request.Deadline);
            throw DeadlineExceededException.OnArrival();
        }

        // The queue is bounded from arrival: an image takes its place in every model's queue before it waits for a worker
        // and is decoded, so that overload is refused at once, not after a decode whose result no model would take.
        ModelBatcher.Admission[] admissions = AdmitAll(models, request.Priority, request.Deadline);

        // One worker slot covers decode, preprocessing for every model, queueing and the evidence layer, so a decoded
        // image never waits for a second slot behind other images' decodes (holding its pixels, its cache lines gone).
        // If one model refuses the image, the others must not spend inference on it.
        using CancellationTokenSource abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Prepared prepared;
        PrepareProgress progress = new();
        try
        {
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(request.Data.Span));
            prepared = await _pool.RunAsync(static s => s.Engine.Prepare(s.Request, s.Sha256, s.Models, s.Admissions, s.Queued, s.Abandon, s.Progress), (Engine: this, Request: request, Sha256: sha256, Models: models, Admissions: admissions, Queued: Stopwatch.GetTimestamp(), Abandon: abandon.Token, Progress: progress), request.Priority, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageRejectedException ex)
        {
            // Refused before any model was handed the image today (every model's limits are checked first); should a
            // refusal ever come later, the models already holding the image count it themselves and must not run it.
            EngineMetrics.InvalidImages.WithLabels(ex.Rejection.ToString()).Inc();
            CountOutcome(models, EngineMetrics.Outcome.Invalid, from: progress.HandedOver);
            await abandon.CancelAsync().ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (!progress.Started)
        {
            // Cancelled, or past its deadline, while waiting for a worker: it never reached a model, which would count it.
            CountAbandoned(models, request.Deadline);
            throw;
        }
        catch
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            // Places in the queues of models the image never reached (invalid, cancelled, refused by another model) are
            // freed here; a queued image's place is its batcher's until its batch runs.
            foreach (ModelBatcher.Admission admission in admissions)
            {
                admission.Release();
            }
        }

        try
        {
            await Task.WhenAll(prepared.Pending).ConfigureAwait(false);
        }
        catch
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            throw;
        }

        Task<BatchResult>[] pending = prepared.Pending;
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
        }

        TimeSpan total = Stopwatch.GetElapsedTime(start);
        EngineMetrics.EndToEnd.Observe(total.TotalSeconds);
        EvidenceVerdict verdict = VerdictComposer.Compose(prepared.Evidence?.Findings, scores.Select((s, i) => ToEvidenceScore(s, models[i].Manifest.Caution)).ToArray());
        StageTimings timings = new(prepared.WorkerWait, prepared.Decode, prepared.Preprocess, queue, inference, prepared.EvidenceTime, total);
        return new ImageScore(request.Id, prepared.Facts, scores, verdict, prepared.Evidence, timings);
    }

    /// <summary>What one worker slot produced for one image: its facts, its queued inferences, its evidence.</summary>
    private sealed record Prepared(ImageFacts Facts, Task<BatchResult>[] Pending, EvidenceReport? Evidence, TimeSpan WorkerWait, TimeSpan Decode, TimeSpan Preprocess, TimeSpan EvidenceTime);

    /// <summary>
    /// Takes the image's place in every model's queue, or none: when one model refuses (queue full, stopping, counted
    /// by its batcher), the places already taken are freed and the other models count the image as leaving for that reason.
    /// </summary>
    private ModelBatcher.Admission[] AdmitAll(IReadOnlyList<LoadedModel> models, WorkPriority priority, DateTimeOffset? deadline)
    {
        ModelBatcher.Admission[] admissions = new ModelBatcher.Admission[models.Count];
        for (int i = 0; i < models.Count; i++)
        {
            try
            {
                admissions[i] = models[i].Batcher.Admit(priority);
            }
            catch (Exception ex)
            {
                string outcome = EngineMetrics.Outcome.ForLeaving(ex, deadline, _host.Time.GetUtcNow());
                for (int j = 0; j < models.Count; j++)
                {
                    if (j < i)
                    {
                        admissions[j].Release();
                    }

                    if (j != i)
                    {
                        EngineMetrics.Requests.WithLabels(models[j].Name, outcome).Inc();
                    }
                }

                throw;
            }
        }

        return admissions;
    }

    /// <summary>
    /// Runs on a worker: decode, preprocess into a pooled tensor and queue it for each model (in the places admitted on
    /// arrival), then the evidence layer on the same pixels while the models work.
    /// </summary>
    private Prepared Prepare(ScoringRequest request, string sha256, IReadOnlyList<LoadedModel> models, ModelBatcher.Admission[] admissions, long queuedAt, CancellationToken abandon, PrepareProgress progress)
    {
        progress.Started = true;

        // A model handed the image counts it from then on (its batcher does). An unexpected failure before that (a
        // decoder or preprocessing bug, which reaches the client as INTERNAL) is counted here as failed for the models
        // not yet handed the image; ImageRejectedException is counted as invalid by ScoreAsync.
        try
        {
            return PrepareImage(request, sha256, models, admissions, queuedAt, abandon, ref progress.HandedOver);
        }
        catch (Exception ex) when (ex is not ImageRejectedException)
        {
            CountOutcome(models, EngineMetrics.Outcome.Failed, from: progress.HandedOver);
            throw;
        }
    }

    /// <summary>How far a worker got with one image: whether it started, and how many models it handed the image to.</summary>
    private sealed class PrepareProgress
    {
        public volatile bool Started;
        public int HandedOver;
    }

    /// <summary>The work of <see cref="Prepare"/>; <paramref name="handedOver"/> says how many models count the image themselves.</summary>
    private Prepared PrepareImage(ScoringRequest request, string sha256, IReadOnlyList<LoadedModel> models, ModelBatcher.Admission[] admissions, long queuedAt, CancellationToken abandon, ref int handedOver)
    {
        long decodeStart = Stopwatch.GetTimestamp();
        TimeSpan workerWait = Stopwatch.GetElapsedTime(queuedAt, decodeStart);
        EngineMetrics.WorkerWait.Observe(workerWait.TotalSeconds);
        DecodedImage image = _decoder.Decode(request.Data);
        TimeSpan decode = Stopwatch.GetElapsedTime(decodeStart);
        EngineMetrics.Decode.Observe(decode.TotalSeconds);
        using (image)
        {
            // Every model's resize is checked before any tensor is queued: a refusal must leave no model working on the image.
            foreach (LoadedModel model in models)
            {
                ImagePreprocessor.EnsureWithinLimits(model.Manifest.Recipe, image.Width, image.Height);
            }

            ImageFacts facts = new(sha256, image.Header.FormatName, image.Header.Width, image.Header.Height, request.Data.Length, image.Header.ColorModel, image.Header.BitsPerPixel, image.Header.ExifOrientation);
            Task<BatchResult>[] pending = new Task<BatchResult>[models.Count];
            TimeSpan preprocess = TimeSpan.Zero;
            for (int i = 0; i < models.Count; i++)
            {
                long preStart = Stopwatch.GetTimestamp();
                (float[] tensor, int length, int height, int width) = Preprocess(image, models[i].Manifest.Recipe);
                TimeSpan took = Stopwatch.GetElapsedTime(preStart);
                preprocess += took;
                EngineMetrics.Preprocess.Observe(took.TotalSeconds);
                try
                {
                    pending[i] = models[i].Batcher.EnqueueAsync(admissions[i], tensor, length, height, width, request.Priority, request.Deadline, abandon);
                    handedOver = i + 1;
                }
                catch (Exception ex)
                {
                    // This model counted its refusal and those before it are abandoned with the image; the ones after it
                    // were asked too, and leave with it, for the same reason when it is a stop.
                    handedOver = models.Count;
                    CountLeft(models, ex, request.Deadline, from: i + 1);
                    throw;
                }
            }

            EvidenceReport? evidence = null;
            TimeSpan evidenceTime = TimeSpan.Zero;
            if (request.Evidence != EvidenceScope.None)
            {
                long evidenceStart = Stopwatch.GetTimestamp();
                evidence = request.Evidence == EvidenceScope.Full
                    ? EvidenceAnalyzer.Analyze(request.Data, new EvidencePixels(image.Width, image.Height, image.RgbMemory))
                    : WithPixelChecksNotRun(EvidenceAnalyzer.Analyze(request.Data, pixels: null));
                evidenceTime = Stopwatch.GetElapsedTime(evidenceStart);
                EngineMetrics.Evidence.Observe(evidenceTime.TotalSeconds);
            }

            return new Prepared(facts, pending, evidence, workerWait, decode, preprocess, evidenceTime);
        }
    }

    private void CountAbandoned(IReadOnlyList<LoadedModel> models, DateTimeOffset? deadline) =>
        CountOutcome(models, EngineMetrics.Outcome.ForAbandoned(deadline, _host.Time.GetUtcNow()), from: 0);

    private void CountLeft(IReadOnlyList<LoadedModel> models, Exception reason, DateTimeOffset? deadline, int from) =>
        CountOutcome(models, EngineMetrics.Outcome.ForLeaving(reason, deadline, _host.Time.GetUtcNow()), from);

    /// <summary>Counts <paramref name="images"/> with <paramref name="outcome"/> for each model from index <paramref name="from"/> on.</summary>
    private static void CountOutcome(IReadOnlyList<LoadedModel> models, string outcome, int from, int images = 1)
    {
        for (int i = from; i < models.Count; i++)
        {
            EngineMetrics.Requests.WithLabels(models[i].Name, outcome).Inc(images);
        }
    }

    /// <summary>Says so in the report when the pixel checks were left out, so nobody reads "no watermark" into their absence.</summary>
    private static EvidenceReport WithPixelChecksNotRun(EvidenceReport report) => report with
    {
        Findings =
        [
            .. report.Findings,
            new Finding(
                FindingKinds.InputNotExamined,
                FindingStrength.NeutralFact,
                "The pixel checks (invisible watermark, PDQ hash) were not run: the request asked for metadata-level evidence.",
                [],
                FindingLocation.File(report.Container)),
        ],
    };

    private static ModelScore ToEvidenceScore(ModelScoreResult s, string caution) => new(s.Model, s.Task.ToWireName(), s.Score, s.Threshold, s.Positive, caution.Length == 0 ? null : caution);

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
