using Detector.Engine.Hosting;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Detector.Server.Api;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Detector.Server.Hosting;

/// <summary>Wiring of the host: the engine, the gRPC API, health, reflection and metrics.</summary>
internal static class ServerExtensions
{
    /// <summary>Name of the grpc.health.v1 service that reports whether models are loaded and warmed.</summary>
    public const string HealthServiceName = "detector.v1.DetectorService";

    /// <summary>The gRPC length-prefixed message header: a compression flag and a 4-byte length.</summary>
    private const int GrpcMessageHeaderBytes = 5;

    /// <summary>Room that Api:MaxMessageBytes must leave beside the largest image for its id and options.</summary>
    private const int MessageHeadroomBytes = 64 * 1024;

    public static WebApplicationBuilder AddDetector(this WebApplicationBuilder builder)
    {
        MetricsDefaults.Apply();
        builder.Services.AddDetectorEngine(builder.Configuration);
        builder.Services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.SectionName))
            .Validate(o => o.MaxMessageBytes > 0 && o.MaxBatchImages > 0 && o.MaxInFlightPerStream > 0 && o.MaxIdLength > 0 && o.MaxModelsPerRequest > 0, "Api limits must be > 0")
            .Validate(o => Enum.IsDefined(o.DefaultEvidence), "Api:DefaultEvidence must be Full, Metadata or None")
            .Validate(o => o.DefaultBulkEvidence is not { } bulk || Enum.IsDefined(bulk), "Api:DefaultBulkEvidence must be Full, Metadata or None")
            .Validate<IOptions<ImagingOptions>>(
                (o, imaging) => o.MaxMessageBytes >= (long)imaging.Value.MaxBytes + MessageHeadroomBytes,
                "Api:MaxMessageBytes must exceed Imaging:MaxBytes by at least 64 KiB (room for the image's id and options), or images within the image limit could not arrive")
            .ValidateOnStart();

        builder.Services.AddGrpc(o =>
        {
            // Unexpected exceptions reach clients as a generic status only; details are logged.
            o.EnableDetailedErrors = false;
        });

        // Message size limits come from the validated ApiOptions, the one place they are configured.
        builder.Services.AddOptions<GrpcServiceOptions>().Configure<IOptions<ApiOptions>>((o, api) =>
        {
            o.MaxReceiveMessageSize = api.Value.MaxMessageBytes;
            o.MaxSendMessageSize = api.Value.MaxMessageBytes;
        });
        // Kestrel caps a request body at 30,000,000 bytes by default, below one image's limit (Imaging:MaxBytes, 32 MiB),
        // and answers a larger body with an error that reaches the client as UNKNOWN. A unary call's body is one gRPC
        // message, so follow Api:MaxMessageBytes: images over Imaging:MaxBytes then get the engine's INVALID_ARGUMENT
        // with the size, and messages over Api:MaxMessageBytes gRPC's own RESOURCE_EXHAUSTED. (grpc-dotnet lifts the
        // limit itself for streaming calls.)
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((o, api) =>
            o.Limits.MaxRequestBodySize = (long)api.Value.MaxMessageBytes + GrpcMessageHeaderBytes);
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(o =>
            {
                o.Services.Map(HealthServiceName, _ => true);
                o.Services.Map("", _ => true);
                // Answer Check from a fresh evaluation, so readiness flips the moment warm-up ends or a drain starts.
                o.UseHealthChecksCache = false;
            })
            .AddCheck<ModelsReadyHealthCheck>("models");
        builder.Services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = TimeSpan.FromSeconds(1);
        });
        builder.Services.AddOptions<ShutdownOptions>().Bind(builder.Configuration.GetSection(ShutdownOptions.SectionName))
            .Validate(o => o.DrainDelaySeconds >= 0 && o.TimeoutSeconds > 0, "Shutdown: DrainDelaySeconds must be ≥ 0 and TimeoutSeconds > 0")
            .Validate(o => o.DrainDelaySeconds < o.TimeoutSeconds, "Shutdown:DrainDelaySeconds must be shorter than Shutdown:TimeoutSeconds, which includes it")
            .ValidateOnStart();
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((o, s) => o.ShutdownTimeout = TimeSpan.FromSeconds(s.Value.TimeoutSeconds));
        builder.Services.AddHostedService<DrainDelayService>();
        return builder;
    }

    public static WebApplication MapDetector(this WebApplication app)
    {
        app.MapGrpcService<DetectorGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapMetrics();
        return app;
    }
}

/// <summary>Healthy once every model is loaded and warmed up, and until a drain starts.</summary>
internal sealed class ModelsReadyHealthCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsReady
            ? HealthCheckResult.Healthy($"{host.Models.Count} models loaded and warmed up")
            : HealthCheckResult.Unhealthy(host.IsDraining ? "draining before shutdown" : "models are warming up"));
}
