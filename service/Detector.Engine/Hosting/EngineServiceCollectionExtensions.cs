using Detector.Engine.Batching;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Detector.Engine.Hosting;

/// <summary>Wires the engine: options, decoder, work pool, model host, scoring flow and its lifecycle.</summary>
public static class EngineServiceCollectionExtensions
{
    public static IServiceCollection AddDetectorEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelRepositoryOptions>().Bind(configuration.GetSection(ModelRepositoryOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Models:Directory must not be empty").ValidateOnStart();
        services.AddOptions<InferenceOptions>().Bind(configuration.GetSection(InferenceOptions.SectionName))
            .Validate(o => o.ExecutionProvider.ToLowerInvariant() is "auto" or "cuda" or "cpu", "Inference:ExecutionProvider must be auto, cuda or cpu")
            .Validate(o => o.IntraOpThreads >= 0 && o.InterOpThreads >= 0 && o.DeviceId >= 0, "Inference thread counts and DeviceId must be ≥ 0")
            .ValidateOnStart();
        services.AddOptions<BatchingOptions>().Bind(configuration.GetSection(BatchingOptions.SectionName))
            .Validate(o => o.QueueCapacity > 0 && o.Instances > 0 && o.MaxDelayMilliseconds >= 0, "Batching: QueueCapacity and Instances must be > 0, MaxDelayMilliseconds ≥ 0")
            .Validate(o => o.CpuMaxBatchSize >= 0, "Batching:CpuMaxBatchSize must be ≥ 0 (0 = the manifest's maxBatchSize)")
            .ValidateOnStart();
        services.AddOptions<ImagingOptions>().Bind(configuration.GetSection(ImagingOptions.SectionName))
            .Validate(o => o.MaxBytes > 0 && o.MaxPixels > 0, "Imaging: MaxBytes and MaxPixels must be > 0")
            .Validate(o => o.MaxPixels <= ImageSharpDecoder.MaxSupportedPixels, $"Imaging:MaxPixels must be at most {ImageSharpDecoder.MaxSupportedPixels} (the decoded RGB image is one array)")
            .ValidateOnStart();
        services.AddOptions<WorkPoolOptions>().Bind(configuration.GetSection(WorkPoolOptions.SectionName))
            .Validate(o => o.Workers >= 0, "WorkPool:Workers must be ≥ 0").ValidateOnStart();

        services.TryAddTimeProvider();
        services.AddSingleton<IExecutionProviderProbe, OrtExecutionProviderProbe>();
        services.AddSingleton<IImageDecoder>(sp => new ImageSharpDecoder(sp.GetRequiredService<IOptions<ImagingOptions>>().Value));
        services.AddSingleton(sp => new CpuWorkPool(sp.GetRequiredService<IOptions<WorkPoolOptions>>().Value.Workers));
        services.AddSingleton(sp => CreateModelHost(sp));
        services.AddSingleton<ScoringEngine>();
        services.AddHostedService<ModelLifecycleService>();
        return services;
    }

    /// <summary>The model host from the registered settings; <paramref name="wrapRunner"/> is the tests' seam (see <see cref="ModelHost"/>).</summary>
    internal static ModelHost CreateModelHost(IServiceProvider sp, Func<IModelRunner, IModelRunner>? wrapRunner = null) => new(
        ModelRepository.Load(sp.GetRequiredService<IOptions<ModelRepositoryOptions>>().Value),
        sp.GetRequiredService<IOptions<InferenceOptions>>().Value,
        sp.GetRequiredService<IOptions<BatchingOptions>>().Value,
        sp.GetRequiredService<IExecutionProviderProbe>(),
        sp.GetRequiredService<TimeProvider>(),
        sp.GetRequiredService<ILogger<ModelHost>>(),
        wrapRunner);

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}

/// <summary>
/// Warms every model up in the background (health stays NOT_SERVING until done), and on shutdown stops admission
/// at once (health goes NOT_SERVING) then answers everything already accepted before the process exits.
/// </summary>
public sealed class ModelLifecycleService(ModelHost host, IHostApplicationLifetime lifetime) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Admission stops the moment SIGTERM arrives, before Kestrel and the hosted services begin stopping.
        lifetime.ApplicationStopping.Register(static h => ((ModelHost)h!).BeginDrain(), host);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await host.DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(host.WarmUp, stoppingToken);
}
