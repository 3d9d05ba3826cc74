namespace Detector.Server.Api;

/// <summary>Log messages of the API layer. Never logs image bytes.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Unexpected failure while scoring image {ImageId}")]
    public static partial void ScoringFailed(ILogger logger, Exception exception, string imageId);

    [LoggerMessage(2, LogLevel.Critical, "Detector cannot start: {Problem}")]
    public static partial void CannotStart(ILogger logger, string problem, Exception? exception = null);

    [LoggerMessage(3, LogLevel.Information, "Stopping: refusing new images for {Seconds} s (health NOT_SERVING) before the listener closes")]
    public static partial void DrainDelay(ILogger logger, double seconds);
}
