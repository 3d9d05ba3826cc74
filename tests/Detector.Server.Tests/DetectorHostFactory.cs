using Detector.Api.V1;
using Detector.TestSupport;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Detector.Server.Tests;

/// <summary>
/// The real host in process (TestServer), serving tiny generated models from a temporary folder,
/// reached through a real gRPC client over the in-memory HTTP/2 handler.
/// </summary>
public sealed class DetectorHostFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="settings">Configuration keys set on the host.</param>
    /// <param name="addModels">The models to serve; two tiny ones by default.</param>
    /// <param name="services">Replaces services after the host registered its own (a test decoder, say).</param>
    public DetectorHostFactory(Dictionary<string, string?>? settings = null, Action<TestModelFolder>? addModels = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        Models = new TestModelFolder();
        if (addModels is null)
        {
            Models.AddTinyModel("tiny");
            Models.AddTinyModel("tiny-extra", isDefault: false, edit: m => m["caution"] = "test model: scores mean nothing");
        }
        else
        {
            addModels(Models);
        }

        _settings = settings ?? [];
        // Disposing a host stops it: without this every test would wait out the shipped drain delay.
        _settings.TryAdd("Shutdown:DrainDelaySeconds", "0");
    }

    public TestModelFolder Models { get; }

    /// <summary>Where the gRPC endpoint listens once <see cref="StartKestrel"/> ran (real HTTP/2 on 127.0.0.1).</summary>
    public Uri? KestrelAddress { get; private set; }

    /// <summary>Where the HTTP/1.1 endpoint (metrics) listens once <see cref="StartKestrel"/> ran.</summary>
    public Uri? KestrelMetricsAddress { get; private set; }

    /// <summary>
    /// Serves through Kestrel on 127.0.0.1 instead of the in-memory TestServer, for behaviour that needs a real
    /// server, such as graceful shutdown with requests in flight. Call before anything else touches the factory.
    /// </summary>
    public Uri StartKestrel()
    {
        int grpcPort = FreePort();
        int httpPort = FreePort();
        _settings["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}";
        _settings["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}";
        UseKestrel();
        StartServer();
        KestrelAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        KestrelMetricsAddress = new Uri($"http://127.0.0.1:{httpPort}/metrics");
        return KestrelAddress;
    }

    private static int FreePort()
    {
        using System.Net.Sockets.TcpListener listener = new(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = Server.CreateHandler(),
        MaxSendMessageSize = 128 * 1024 * 1024,
        MaxReceiveMessageSize = 128 * 1024 * 1024,
    });

    internal static DetectorService.DetectorServiceClient CreateClient(GrpcChannel channel) => new(channel);

    /// <summary>Waits (bounded) until grpc.health.v1 reports SERVING, i.e. models are loaded and warmed up.</summary>
    public async Task WaitUntilServingAsync(GrpcChannel channel)
    {
        Health.HealthClient health = new(channel);
        using CancellationTokenSource limit = new(TimeSpan.FromSeconds(60));
        while (true)
        {
            HealthCheckResponse response = await health.CheckAsync(new HealthCheckRequest { Service = "detector.v1.DetectorService" }, cancellationToken: limit.Token);
            if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
            {
                return;
            }

            await Task.Delay(20, limit.Token);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Models:Directory", Models.Root);
        foreach ((string key, string? value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Models.Dispose();
        }
    }
}
