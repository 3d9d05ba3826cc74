namespace Detector.Server.Hosting;

/// <summary>How the service stops on SIGTERM (section <c>Shutdown</c>).</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// Seconds between the stop signal and the listener closing. Health is NOT_SERVING and new images are refused
    /// with UNAVAILABLE the whole time, so load balancers and clients move away while the service still answers;
    /// without it, calls that reach the socket as it closes fail at the HTTP/2 level (INTERNAL on .NET clients),
    /// which retry policies do not retry.
    /// </summary>
    public double DrainDelaySeconds { get; set; } = 5;

    /// <summary>Seconds the whole stop may take (drain delay included) before remaining calls are aborted.</summary>
    public double TimeoutSeconds { get; set; } = 30;
}
