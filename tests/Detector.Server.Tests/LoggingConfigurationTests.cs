using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Detector.Server.Tests;

/// <summary>
/// NOT_SERVING while models warm up and while draining is expected, not an error: ASP.NET's health-check service would log
/// every such evaluation (once a second through the gRPC health publisher) as an error, so the shipped appsettings.json
/// silences that one category. Readiness itself is reported by grpc.health.v1 and logged by ModelHost.
/// </summary>
public sealed class LoggingConfigurationTests() : HostTestBase(new DetectorHostFactory())
{
    [Fact]
    public void ShippedSettings_HealthCheckResults_AreNotLoggedAsErrors_OwnErrorsStillAre()
    {
        ILoggerFactory loggers = Factory.Services.GetRequiredService<ILoggerFactory>();

        ILogger healthChecks = loggers.CreateLogger("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService");
        ILogger engine = loggers.CreateLogger("Detector.Engine.Scoring.ModelHost");

        Assert.False(healthChecks.IsEnabled(LogLevel.Error));
        Assert.True(engine.IsEnabled(LogLevel.Error));
        Assert.True(engine.IsEnabled(LogLevel.Information));
    }
}
