using Grpc.Core;

namespace Detector.Server.Tests;

/// <summary>A minimal ServerCallContext for calling the service class directly (flow-control tests).</summary>
internal sealed class FakeServerCallContext(CancellationToken cancellationToken = default, DateTime? deadline = null) : ServerCallContext
{
    private readonly Metadata _trailers = [];

    protected override string MethodCore => "/detector.v1.DetectorService/ScoreStream";

    protected override string HostCore => "localhost";

    protected override string PeerCore => "ipv4:127.0.0.1:1";

    protected override DateTime DeadlineCore => deadline ?? DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => [];

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore => _trailers;

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
