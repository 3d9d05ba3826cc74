using System.Text.Json;

namespace Detector.Server.Api;

/// <summary>Log messages of the API layer. Never logs image bytes.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Unexpected failure while scoring image {ImageId}")]
    private static partial void ScoringFailedCore(ILogger logger, Exception exception, string imageId);

    /// <summary>Logs the client's id as a JSON string: quoted, control characters and line separators escaped.</summary>
    public static void ScoringFailed(ILogger logger, Exception exception, string imageId) => ScoringFailedCore(logger, exception, Quoted(imageId));

    /// <summary>
    /// A client-chosen text made safe for a log line: a newline in an id would otherwise start a forged log entry.
    /// System.Text.Json escapes every control character, U+2028/U+2029 and non-ASCII as \uXXXX.
    /// </summary>
    public static string Quoted(string text) => JsonSerializer.Serialize(text);

    [LoggerMessage(2, LogLevel.Critical, "Detector cannot start: {Problem}")]
    public static partial void CannotStart(ILogger logger, string problem, Exception? exception = null);

    [LoggerMessage(3, LogLevel.Information, "Stopping: refusing new images for {Seconds} s (health NOT_SERVING) before the listener closes")]
    public static partial void DrainDelay(ILogger logger, double seconds);
}
