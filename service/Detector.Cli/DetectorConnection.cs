using Detector.Api.V1;
using Grpc.Net.Client;

namespace Detector.Cli;

/// <summary>A gRPC client and the channel it owns.</summary>
internal sealed class DetectorConnection : IDisposable
{
    private readonly IDisposable? _owner;

    internal DetectorConnection(DetectorService.DetectorServiceClient client, IDisposable? owner = null)
    {
        Client = client;
        _owner = owner;
    }

    public DetectorService.DetectorServiceClient Client { get; }

    /// <summary>Opens a channel to <paramref name="address"/>; http:// speaks HTTP/2 without TLS, as the service listens.</summary>
    /// <exception cref="ArgumentException">The address is not an absolute http or https URI.</exception>
    public static DetectorConnection Open(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            // No parameter name: the message is printed as it is, and " (Parameter 'address')" means nothing to a user.
            throw new ArgumentException($"--server must be an http:// or https:// address, got '{address}'.");
        }

        var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            // Responses can carry dense model outputs (raw values); the 4 MB default is too tight for those.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        return new DetectorConnection(new DetectorService.DetectorServiceClient(channel), channel);
    }

    public void Dispose() => _owner?.Dispose();
}
