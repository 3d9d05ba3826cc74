using Microsoft.Extensions.Logging;

namespace Detector.Engine.Telemetry;

/// <summary>All engine log messages in one place. Never logs image bytes.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(1, LogLevel.Information, "Model {Model} {Version} ({Task}) loaded on {Provider}, max batch {MaxBatch}, sha256 {Sha256}")]
    public static partial void ModelLoaded(ILogger logger, string model, string version, string task, string provider, int maxBatch, string sha256);

    [LoggerMessage(2, LogLevel.Warning, "Model {Model}: CUDA was asked for but {Provider} is used: {Reason}")]
    public static partial void ProviderFallback(ILogger logger, string model, string provider, string reason);

    [LoggerMessage(3, LogLevel.Information, "Model {Model}: {Provider} chosen ({Reason})")]
    public static partial void ProviderChosen(ILogger logger, string model, string provider, string reason);

    [LoggerMessage(4, LogLevel.Information, "Model {Model} warmed up with batch sizes {Sizes} in {Seconds:F3} s")]
    public static partial void WarmedUp(ILogger logger, string model, string sizes, double seconds);

    [LoggerMessage(5, LogLevel.Error, "Model {Model}: a batch of {Count} failed")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string model, int count);

    [LoggerMessage(6, LogLevel.Information, "Draining: {Queued} admitted images (queued or decoding) and {InFlight} running to answer before stopping")]
    public static partial void Draining(ILogger logger, int queued, int inFlight);
}
