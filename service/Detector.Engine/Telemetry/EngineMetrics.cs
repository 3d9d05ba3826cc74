using Detector.Engine.Batching;
using Detector.Engine.Scoring;
using Prometheus;

namespace Detector.Engine.Telemetry;

/// <summary>
/// Prometheus metrics of the engine, named in the spirit of Triton's (per model, few label values).
/// Average batch size = rate(detector_images_inferred_total) / rate(detector_batches_total).
/// detector_queue_depth (images admitted and not yet in a running batch, whether they wait for a decode worker or for
/// their model) is the autoscaling signal.
/// </summary>
public static class EngineMetrics
{
    /// <summary>Request outcomes (label "outcome").</summary>
    public static class Outcome
    {
        public const string Success = "success";
        public const string Rejected = "rejected";
        public const string Cancelled = "cancelled";
        public const string Deadline = "deadline";
        public const string Invalid = "invalid";
        public const string Failed = "failed";

        /// <summary>Refused because the service was warming up or stopping (UNAVAILABLE: the client sends it again, elsewhere).</summary>
        public const string Unavailable = "unavailable";

        /// <summary>An abandoned request's outcome: deadline when its deadline has passed (the call's cancellation is how gRPC enforces it), else cancelled.</summary>
        public static string ForAbandoned(DateTimeOffset? deadline, DateTimeOffset now) => deadline is { } d && d <= now ? Deadline : Cancelled;

        /// <summary>
        /// The outcome of an image that left for <paramref name="reason"/> without being scored: unavailable for a stop or
        /// warm-up, deadline for an expiry, otherwise as <see cref="ForAbandoned"/>.
        /// </summary>
        public static string ForLeaving(Exception reason, DateTimeOffset? deadline, DateTimeOffset now) => reason switch
        {
            ServiceStoppingException or EngineNotReadyException => Unavailable,
            DeadlineExceededException => Deadline,
            _ => ForAbandoned(deadline, now),
        };
    }

    private static readonly double[] SecondsBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    public static readonly Counter Requests = Metrics.CreateCounter(
        "detector_requests_total", "Images requested for scoring, by model and outcome.", "model", "outcome");

    public static readonly Counter ImagesInferred = Metrics.CreateCounter(
        "detector_images_inferred_total", "Images that went through a model (padding excluded).", "model");

    public static readonly Counter Batches = Metrics.CreateCounter(
        "detector_batches_total", "Batches executed.", "model");

    public static readonly Gauge QueueDepth = Metrics.CreateGauge(
        "detector_queue_depth", "Images admitted for the model and not yet in a running batch (waiting for a decode worker, decoding, or queued); bounded by its queue capacity.", "model");

    public static readonly Gauge WorkerWaiting = Metrics.CreateGauge(
        "detector_worker_waiting", "Images waiting for a decode worker (all models).");

    public static readonly Histogram WorkerWait = Metrics.CreateHistogram(
        "detector_worker_wait_seconds", "Time an image waited for a decode worker.", new HistogramConfiguration { Buckets = SecondsBuckets });

    public static readonly Histogram QueueWait = Metrics.CreateHistogram(
        "detector_queue_wait_seconds", "Time a decoded image waited in the model's queue for its batch.", new HistogramConfiguration { LabelNames = ["model"], Buckets = SecondsBuckets });

    public static readonly Histogram Inference = Metrics.CreateHistogram(
        "detector_inference_seconds", "ONNX Runtime time per batch.", new HistogramConfiguration { LabelNames = ["model"], Buckets = SecondsBuckets });

    public static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "detector_batch_size", "Images per executed batch (padding excluded).", new HistogramConfiguration { LabelNames = ["model"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128] });

    public static readonly Histogram Decode = Metrics.CreateHistogram(
        "detector_decode_seconds", "Time to identify and decode one image.", new HistogramConfiguration { Buckets = SecondsBuckets });

    public static readonly Histogram Preprocess = Metrics.CreateHistogram(
        "detector_preprocess_seconds", "Time to resize and normalise one image for one model.", new HistogramConfiguration { Buckets = SecondsBuckets });

    public static readonly Histogram Evidence = Metrics.CreateHistogram(
        "detector_evidence_seconds", "Time of the forensic evidence layer for one image.", new HistogramConfiguration { Buckets = SecondsBuckets });

    public static readonly Histogram EndToEnd = Metrics.CreateHistogram(
        "detector_request_seconds", "Time from receiving an image to its result.", new HistogramConfiguration { Buckets = SecondsBuckets });

    public static readonly Counter InvalidImages = Metrics.CreateCounter(
        "detector_invalid_images_total", "Images refused before scoring, by reason.", "reason");
}
