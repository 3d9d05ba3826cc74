namespace Detector.Server.Tests;

/// <summary>Evidence defaults are read at start-up: a value that is not a level stops the service with the key named.</summary>
public sealed class EvidenceDefaultSettingsTests
{
    [Theory]
    [InlineData("Api:DefaultEvidence")]
    [InlineData("Api:DefaultBulkEvidence")]
    public void UnknownLevel_StopsStartUpNamingTheSetting(string key)
    {
        using DetectorHostFactory factory = new(new Dictionary<string, string?> { [key] = "Everything" });

        Exception ex = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains(key.Split(':')[1], ex.ToString(), StringComparison.Ordinal);
    }
}
