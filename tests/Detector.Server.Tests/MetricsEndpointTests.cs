using System.Diagnostics.Metrics;
using Detector.Api.V1;
using Detector.Server.Hosting;
using Detector.TestSupport;
using Grpc.Net.Client;

namespace Detector.Server.Tests;

/// <summary>
/// What <c>/metrics</c> publishes besides the service's own metrics, through real Kestrel (the in-memory test server
/// has no socket transport and no memory pool to measure).
/// </summary>
public sealed class MetricsEndpointTests
{
    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting", true)]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel", true)]
    [InlineData("System.Runtime", true)]
    [InlineData("Microsoft.AspNetCore.MemoryPool", false)]
    [InlineData("Private.InternalDiagnostics.System.Net.Quic", false)]
    public void IsPublished_FollowsTheMeter(string meterName, bool published)
    {
        using Meter meter = new(meterName);
        Counter<long> counter = meter.CreateCounter<long>("test.counter");

        Assert.Equal(published, MetricsDefaults.IsPublished(counter));
    }

    [Fact]
    public async Task Metrics_AfterAScrapeAndAScoreOverKestrel_PublishTheRequestMetricsButNotThePerBlockMemoryPool()
    {
        await using DetectorHostFactory factory = new();
        using GrpcChannel channel = GrpcChannel.ForAddress(factory.StartKestrel());
        await factory.WaitUntilServingAsync(channel);
        using HttpClient http = new();
        // The first scrape starts prometheus-net's adapters; only what happens after it is measured.
        _ = await http.GetStringAsync(factory.KestrelMetricsAddress);

        await DetectorHostFactory.CreateClient(channel).ScoreAsync(new ScoreRequest
        {
            Options = new ScoreOptions { Evidence = EvidenceLevel.None },
            Image = new ImageInput { Id = "m", Data = Google.Protobuf.ByteString.CopyFrom(TestImages.Textured(256, 256, jpeg: false)) },
        });
        string metrics = await http.GetStringAsync(factory.KestrelMetricsAddress);

        Assert.Contains("detector_requests_total{model=\"tiny\",outcome=\"success\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("microsoft_aspnetcore_hosting_http_server_request_duration", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("memory_pool", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("private_internaldiagnostics", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("eventcounteradapter", metrics, StringComparison.Ordinal);
    }
}
