using System.Globalization;

namespace Detector.Server.Tests;

/// <summary>Reads counters the way Prometheus does: from the host's /metrics text.</summary>
internal static class MetricsScrape
{
    /// <summary>detector_requests_total{model,outcome}, or 0 while the series does not exist yet.</summary>
    public static async Task<double> RequestsAsync(DetectorHostFactory factory, string model, string outcome)
    {
        using HttpClient http = factory.CreateClient();
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string series = $"detector_requests_total{{model=\"{model}\",outcome=\"{outcome}\"}} ";
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(series, StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
