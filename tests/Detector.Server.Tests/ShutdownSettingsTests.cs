using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Detector.Server.Tests;

public sealed class ShutdownSettingsTests
{
    [Fact]
    public void Unset_StopTimeoutIsThirtySeconds()
    {
        using DetectorHostFactory factory = new();

        Assert.Equal(TimeSpan.FromSeconds(30), factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public void Timeout_SetsTheHostsStopTimeout()
    {
        using DetectorHostFactory factory = new(new Dictionary<string, string?> { ["Shutdown:TimeoutSeconds"] = "12" });

        Assert.Equal(TimeSpan.FromSeconds(12), factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Theory]
    [InlineData("30", "30")]
    [InlineData("45", "30")]
    public void DrainDelay_NotShorterThanTheTimeout_StopsStartUpNamingTheSetting(string delay, string timeout)
    {
        using DetectorHostFactory factory = new(new Dictionary<string, string?>
        {
            ["Shutdown:DrainDelaySeconds"] = delay,
            ["Shutdown:TimeoutSeconds"] = timeout,
        });

        Exception ex = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("Shutdown:DrainDelaySeconds must be shorter than Shutdown:TimeoutSeconds", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DrainDelay_Negative_StopsStartUp()
    {
        using DetectorHostFactory factory = new(new Dictionary<string, string?> { ["Shutdown:DrainDelaySeconds"] = "-1" });

        Exception ex = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("DrainDelaySeconds must be ≥ 0", ex.ToString(), StringComparison.Ordinal);
    }
}
