namespace Detector.Engine.Batching;

/// <summary>The model's queue is full; the client should retry after <see cref="RetryAfter"/>.</summary>
public sealed class QueueFullException(string model, int capacity, TimeSpan retryAfter)
    : Exception($"model '{model}' has {capacity} images waiting (its queue limit); retry after {retryAfter.TotalMilliseconds:F0} ms")
{
    public string Model { get; } = model;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The service is stopping: it accepts no new work, or (<see cref="BeforeScored"/>) a hard stop came before an accepted image ran.</summary>
public sealed class ServiceStoppingException : Exception
{
    public ServiceStoppingException()
        : base("the service is shutting down and accepts no new images")
    {
    }

    private ServiceStoppingException(string message)
        : base(message)
    {
    }

    /// <summary>An accepted image that a stop did not wait for (the shutdown timeout ran out before its batch).</summary>
    public static ServiceStoppingException BeforeScored() =>
        new("the service stopped before this image was scored (its shutdown timeout ran out); send it again");
}

/// <summary>The request's deadline passed before its image reached the model.</summary>
public sealed class DeadlineExceededException : Exception
{
    private DeadlineExceededException(string message)
        : base(message)
    {
    }

    /// <summary>The deadline passed while the image waited in <paramref name="model"/>'s queue.</summary>
    public static DeadlineExceededException WhileQueued(string model) => new($"the deadline passed while the image waited for model '{model}'");

    /// <summary>The deadline had passed when the request arrived: nothing was decoded or queued.</summary>
    public static DeadlineExceededException OnArrival() => new("the deadline had passed when the request arrived; nothing was scored");
}
