namespace Detector.Bench;

/// <summary>
/// Reads the server's <c>/metrics</c> in the background, as the Prometheus server of a deployment does, so that the
/// service is measured with what scraping turns on: prometheus-net starts its .NET Meters adapter at the first scrape,
/// and from then on the request path pays for every instrument it publishes.
/// </summary>
internal sealed class MetricsScraper : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Uri _address;
    private readonly Task _loop;
    private readonly TaskCompletionSource _firstDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MetricsScraper(Uri address, TimeSpan every)
    {
        _address = address;
        _loop = RunAsync(every);
    }

    private int _scrapes;
    private int _failures;

    public int Scrapes => Volatile.Read(ref _scrapes);

    public int Failures => Volatile.Read(ref _failures);

    public string? FirstFailure { get; private set; }

    /// <summary>Scrapes once now and then every <paramref name="every"/>; null when <paramref name="every"/> is zero.</summary>
    public static async Task<MetricsScraper?> StartAsync(int metricsPort, TimeSpan every)
    {
        if (every <= TimeSpan.Zero)
        {
            return null;
        }

        MetricsScraper scraper = new(new Uri($"http://{BenchSettings.Host}:{metricsPort}/metrics"), every);
        // The first scrape is what starts the adapters: wait for it, so that no measured phase runs without them.
        await scraper._firstDone.Task;
        return scraper;
    }

    /// <summary>One line for the report.</summary>
    public string Describe(TimeSpan every) =>
        $"/metrics scraped every {every.TotalSeconds:0.#} s during the run, as Prometheus would ({Scrapes} scrapes, {Failures} failed{(FirstFailure is null ? "" : $": {FirstFailure}")})";

    private async Task RunAsync(TimeSpan every)
    {
        using PeriodicTimer timer = new(every);
        do
        {
            try
            {
                using HttpResponseMessage response = await _http.GetAsync(_address, HttpCompletionOption.ResponseContentRead, _stop.Token);
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref _scrapes);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failures);
                FirstFailure ??= ex.Message;
            }
            finally
            {
                _firstDone.TrySetResult();
            }
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _http.Dispose();
    }
}
