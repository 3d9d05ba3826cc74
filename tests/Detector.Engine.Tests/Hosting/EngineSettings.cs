using Detector.Engine.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Detector.Engine.Tests.Hosting;

/// <summary>Resolves one options type through the engine's own registration, with one setting given.</summary>
internal static class EngineSettings
{
    /// <summary>The options as the host would see them; throws <see cref="OptionsValidationException"/> as start-up would.</summary>
    public static TOptions Resolve<TOptions>(string key, string value)
        where TOptions : class
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Models:Directory"] = "models", [key] = value })
            .Build();
        ServiceCollection services = new();
        services.AddDetectorEngine(configuration);
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<TOptions>>().Value;
    }
}
