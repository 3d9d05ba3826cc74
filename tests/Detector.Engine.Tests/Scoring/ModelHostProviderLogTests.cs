using Detector.Engine.Batching;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Detector.Engine.Tests.Inference;
using Detector.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Detector.Engine.Tests.Scoring;

/// <summary>The provider each model runs on, and why CUDA was not used, reach the log when the host loads the models.</summary>
public sealed class ModelHostProviderLogTests : IDisposable
{
    private readonly TestModelFolder _folder = new();
    private readonly ListLogger<ModelHost> _log = new();

    public ModelHostProviderLogTests() => _folder.AddTinyModel("tiny");

    public void Dispose() => _folder.Dispose();

    private ModelHost CreateHost(string provider, IExecutionProviderProbe probe) => new(
        ModelRepository.Load(new ModelRepositoryOptions { Directory = _folder.Root }),
        new InferenceOptions { ExecutionProvider = provider },
        new BatchingOptions(),
        probe,
        TimeProvider.System,
        _log);

    private (LogLevel Level, EventId Id, string Message) ProviderEntry() =>
        Assert.Single(_log.Entries, e => e.Message.StartsWith("Model tiny: ", StringComparison.Ordinal));

    [Fact]
    public async Task Constructor_AutoAndCreatingTheCudaSessionFails_LogsCpuWithTheReason()
    {
        OnnxRuntimeException cudaError = FakeExecutionProviderProbe.OrtError();

        await using ModelHost host = CreateHost("auto", new FakeExecutionProviderProbe(FakeExecutionProviderProbe.WithCuda, cudaSessionFailure: cudaError));

        (LogLevel level, EventId id, string message) = ProviderEntry();
        Assert.Equal(ExecutionProviderSelector.Cpu, host.Models.Single().ExecutionProvider);
        Assert.Equal(LogLevel.Information, level);
        Assert.Equal(3, id.Id);
        Assert.Contains("CPUExecutionProvider chosen (CUDA device 0 could not be used: creating the session on it failed", message, StringComparison.Ordinal);
        Assert.Contains(cudaError.Message, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constructor_CudaAskedForButTheDeviceCannotBeAppended_LogsTheFallbackAsAWarning()
    {
        FakeExecutionProviderProbe probe = new(FakeExecutionProviderProbe.WithCuda, appendFailure: new DllNotFoundException("libcudart.so.13: cannot open shared object file"));

        await using ModelHost host = CreateHost("cuda", probe);

        (LogLevel level, EventId id, string message) = ProviderEntry();
        Assert.Equal(ExecutionProviderSelector.Cpu, host.Models.Single().ExecutionProvider);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal(2, id.Id);
        Assert.Equal("Model tiny: CUDA was asked for but CPUExecutionProvider is used: CUDA device 0 could not be used: libcudart.so.13: cannot open shared object file", message);
    }

    [Fact]
    public async Task Constructor_AutoOnACpuBuild_LogsWhyCudaIsNotUsed()
    {
        await using ModelHost host = CreateHost("auto", new FakeExecutionProviderProbe(FakeExecutionProviderProbe.CpuOnly));

        (LogLevel level, _, string message) = ProviderEntry();
        Assert.Equal(LogLevel.Information, level);
        Assert.Contains("CPUExecutionProvider chosen (this build of ONNX Runtime has no CUDA provider", message, StringComparison.Ordinal);
    }
}
