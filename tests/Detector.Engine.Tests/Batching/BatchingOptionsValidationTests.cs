using Detector.Engine.Batching;
using Detector.Engine.Tests.Hosting;
using Microsoft.Extensions.Options;

namespace Detector.Engine.Tests.Batching;

/// <summary>Batching settings are checked when the host starts, with a message that names the setting.</summary>
public sealed class BatchingOptionsValidationTests
{
    private static BatchingOptions Resolve(string key, string value) => EngineSettings.Resolve<BatchingOptions>(key, value);

    [Fact]
    public void CpuMaxBatchSize_Negative_FailsNamingTheSetting()
    {
        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => Resolve("Batching:CpuMaxBatchSize", "-1"));

        Assert.Contains("Batching:CpuMaxBatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("4", 4)]
    public void CpuMaxBatchSize_ZeroOrPositive_IsAccepted(string value, int expected)
    {
        Assert.Equal(expected, Resolve("Batching:CpuMaxBatchSize", value).CpuMaxBatchSize);
    }

    [Fact]
    public void CpuMaxBatchSize_Unset_DefaultsToOneImagePerInference()
    {
        Assert.Equal(1, Resolve("Batching:QueueCapacity", "256").CpuMaxBatchSize);
    }
}
