namespace Detector.Engine.Batching;

/// <summary>Which lane an image waits in. Interactive goes first; bulk keeps a share of every batch so it never starves.</summary>
public enum WorkPriority
{
    /// <summary>An investigator waiting on one image (Score).</summary>
    Interactive,
    /// <summary>Triage pipelines (ScoreBatch, ScoreStream).</summary>
    Bulk,
}

/// <summary>One image's output from a batch.</summary>
/// <param name="Raw">The model's output values for this image.</param>
/// <param name="QueueWait">Time from admission to the start of its batch.</param>
/// <param name="Inference">Time the batch spent in the model.</param>
/// <param name="BatchSize">Images in the batch (padding excluded).</param>
public sealed record BatchResult(float[] Raw, TimeSpan QueueWait, TimeSpan Inference, int BatchSize);
