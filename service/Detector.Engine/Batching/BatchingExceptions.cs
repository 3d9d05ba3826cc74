namespace Detector.Engine.Batching;

/// <summary>The model's queue is full; the client should retry after <see cref="RetryAfter"/>.</summary>
public sealed class QueueFullException(string model, int capacity, TimeSpan retryAfter)
    : Exception($"model '{model}' has {capacity} images waiting (its queue limit); retry after {retryAfter.TotalMilliseconds:F0} ms")
{
    public string Model { get; } = model;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The service is stopping and accepts no new work.</summary>
public sealed class ServiceStoppingException()
    : Exception("the service is shutting down and accepts no new images");

/// <summary>The request's deadline passed while it waited; it never reached the model.</summary>
public sealed class DeadlineExceededException(string model)
    : Exception($"the deadline passed while the image waited for model '{model}'");
