using System.Diagnostics.Metrics;
using Prometheus;

namespace Detector.Server.Hosting;

/// <summary>
/// What prometheus-net publishes at <c>/metrics</c> besides the service's own <c>detector_*</c> metrics.
/// </summary>
/// <remarks>
/// prometheus-net starts two adapters at the first scrape. Its .NET Meters adapter publishes every instrument, and
/// one of them, Kestrel's memory pool (<c>aspnetcore.memory_pool.*</c>), takes a measurement for every 4 KiB block
/// rented: about 150 callbacks for one 190 KB image, on the request path, for a figure nobody scales on; the runtime's
/// private MsQuic meter added 32 series about HTTP/3, which this service does not serve. Its EventCounters adapter
/// subscribes at Informational level to every event source whose name contains <c>System.Net</c> or
/// <c>Microsoft.AspNetCore</c>, which turns on the events those sources write per request and connection, and on
/// .NET 10 it published no series at all: the runtime's metrics come through meters (<c>system_runtime_dotnet_*</c>).
/// Must run before the first scrape (prometheus-net applies it then); it sets process-wide defaults, so calling it for
/// each host is harmless.
/// </remarks>
internal static class MetricsDefaults
{
    /// <summary>The meter of Kestrel's memory pool, measured once per block rented or returned.</summary>
    internal const string MemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    public static void Apply()
    {
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true });
        Metrics.ConfigureMeterAdapter(options => options.InstrumentFilterPredicate = IsPublished);
    }

    /// <summary>Meters the runtime names as its own internal diagnostics.</summary>
    internal const string InternalDiagnosticsPrefix = "Private.InternalDiagnostics.";

    /// <summary>Every .NET instrument is published except the per-block memory pool and the runtime's internal ones.</summary>
    internal static bool IsPublished(Instrument instrument) =>
        instrument.Meter.Name != MemoryPoolMeter && !instrument.Meter.Name.StartsWith(InternalDiagnosticsPrefix, StringComparison.Ordinal);
}
