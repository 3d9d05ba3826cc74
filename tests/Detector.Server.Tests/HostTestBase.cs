using Detector.Api.V1;
using Grpc.Net.Client;

namespace Detector.Server.Tests;

/// <summary>One in-process host per test class, a gRPC channel to it, and a wait until it reports SERVING.</summary>
public abstract class HostTestBase : IAsyncLifetime
{
    private protected HostTestBase(DetectorHostFactory factory)
    {
        Factory = factory;
    }

    private protected DetectorHostFactory Factory { get; }

    private protected GrpcChannel Channel { get; private set; } = null!;

    private protected DetectorService.DetectorServiceClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Channel = Factory.CreateChannel();
        Client = DetectorHostFactory.CreateClient(Channel);
        await Factory.WaitUntilServingAsync(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Factory.DisposeAsync();
    }
}
