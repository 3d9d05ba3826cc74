using Detector.Engine.Batching;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Detector.Server.Api;
using Detector.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Detector.Server.Tests;

/// <summary>
/// The gRPC service class over a real engine serving one tiny model, called directly without a transport, for tests
/// that drive a stream's reads and writes by hand.
/// </summary>
internal sealed class DirectService : IAsyncDisposable
{
    private readonly TestModelFolder _folder = new();
    private readonly ModelHost _host;
    private readonly CpuWorkPool _pool = new(2);

    public DirectService(ApiOptions? options = null)
    {
        _folder.AddTinyModel("tiny");
        _host = new ModelHost(
            ModelRepository.Load(new ModelRepositoryOptions { Directory = _folder.Root }),
            new InferenceOptions { ExecutionProvider = "cpu" },
            new BatchingOptions(),
            new OrtExecutionProviderProbe(),
            TimeProvider.System,
            NullLogger<ModelHost>.Instance);
        _host.WarmUp();
        ScoringEngine engine = new(_host, new ImageSharpDecoder(new ImagingOptions()), _pool);
        Service = new DetectorGrpcService(engine, Options.Create(options ?? new ApiOptions()), NullLogger<DetectorGrpcService>.Instance);
    }

    public DetectorGrpcService Service { get; }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _pool.Dispose();
        _folder.Dispose();
    }
}
