using Detector.Engine.Batching;
using Detector.Engine.Models;
using Detector.Evidence.Model;

namespace Detector.Engine.Scoring;

/// <summary>One image to score.</summary>
/// <param name="Id">Client's id, echoed back.</param>
/// <param name="Data">Encoded image bytes (never written anywhere).</param>
/// <param name="Models">Model names; empty = every default model.</param>
/// <param name="Priority">Queue lane.</param>
/// <param name="Deadline">When the caller stops waiting; expired images leave the queue.</param>
/// <param name="Evidence">How much of the forensic evidence layer runs (default all of it).</param>
public sealed record ScoringRequest(string Id, ReadOnlyMemory<byte> Data, IReadOnlyList<string> Models, WorkPriority Priority, DateTimeOffset? Deadline = null, EvidenceScope Evidence = EvidenceScope.Full);

/// <summary>How much of the evidence layer runs for an image: its CPU cost is almost all in the pixel checks.</summary>
public enum EvidenceScope
{
    /// <summary>No evidence layer.</summary>
    None,

    /// <summary>The byte-level extractors only (metadata, provenance, file facts); the pixel checks are reported as not run.</summary>
    Metadata,

    /// <summary>Every extractor, the invisible watermark and the PDQ hash on the decoded pixels included.</summary>
    Full,
}

/// <summary>What the file is, from its header and bytes.</summary>
public sealed record ImageFacts(string Sha256, string Format, int Width, int Height, long SizeBytes, string ColorModel, int BitsPerPixel, int ExifOrientation);

/// <summary>One model's score for one image.</summary>
public sealed record ModelScoreResult(string Model, string Version, ModelTask Task, float Score, float Threshold, bool Positive, float[] Raw, string ModelSha256);

/// <summary>Seconds spent in each stage for one image (queue and inference: the slowest model; evidence runs beside them).</summary>
public sealed record StageTimings(TimeSpan WorkerWait, TimeSpan Decode, TimeSpan Preprocess, TimeSpan Queue, TimeSpan Inference, TimeSpan Evidence, TimeSpan Total);

/// <summary>Everything the engine knows about one scored image. <see cref="Evidence"/> is null when the request switched it off.</summary>
public sealed record ImageScore(string Id, ImageFacts Facts, IReadOnlyList<ModelScoreResult> Scores, EvidenceVerdict Verdict, EvidenceReport? Evidence, StageTimings Timings);

/// <summary>A request named a model that is not loaded.</summary>
public sealed class UnknownModelException(string model, IEnumerable<string> known)
    : Exception($"unknown model '{model}'; loaded models: {string.Join(", ", known)}")
{
    public string Model { get; } = model;
}

/// <summary>The engine is not ready yet (models still loading or warming up).</summary>
public sealed class EngineNotReadyException()
    : Exception("models are still loading; retry shortly");
