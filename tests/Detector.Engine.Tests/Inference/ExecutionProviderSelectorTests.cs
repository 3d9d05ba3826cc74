using Detector.Engine.Inference;
using Microsoft.ML.OnnxRuntime;

namespace Detector.Engine.Tests.Inference;

public sealed class ExecutionProviderSelectorTests
{
    private static readonly string[] CpuOnly = FakeExecutionProviderProbe.CpuOnly;
    private static readonly string[] WithCuda = FakeExecutionProviderProbe.WithCuda;

    [Fact]
    public void Apply_CpuRequested_UsesCpuWithoutProbingCuda()
    {
        using SessionOptions options = new();
        FakeExecutionProviderProbe probe = new(WithCuda);

        ProviderChoice choice = ExecutionProviderSelector.Apply(options, new InferenceOptions { ExecutionProvider = "cpu" }, probe);

        Assert.Equal(ExecutionProviderSelector.Cpu, choice.Provider);
        Assert.Null(choice.FallbackReason);
        Assert.Equal(0, probe.AppendCalls);
    }

    [Fact]
    public void Apply_AutoOnCpuBuild_FallsBackToCpuWithReason()
    {
        using SessionOptions options = new();

        ProviderChoice choice = ExecutionProviderSelector.Apply(options, new InferenceOptions(), new FakeExecutionProviderProbe(CpuOnly));

        Assert.Equal(ExecutionProviderSelector.Cpu, choice.Provider);
        Assert.Contains("no CUDA provider", choice.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_CudaAvailable_AppendsCudaOnConfiguredDevice()
    {
        using SessionOptions options = new();
        FakeExecutionProviderProbe probe = new(WithCuda);

        ProviderChoice choice = ExecutionProviderSelector.Apply(options, new InferenceOptions { ExecutionProvider = "cuda", DeviceId = 1 }, probe);

        Assert.Equal(ExecutionProviderSelector.Cuda, choice.Provider);
        Assert.Equal(1, probe.DeviceId);
    }

    [Fact]
    public void Apply_CudaLibraryMissingOnMachine_FallsBackToCpuWithReason()
    {
        using SessionOptions options = new();
        FakeExecutionProviderProbe probe = new(WithCuda, new DllNotFoundException("libcudart.so.13: cannot open shared object file"));

        ProviderChoice choice = ExecutionProviderSelector.Apply(options, new InferenceOptions { ExecutionProvider = "auto" }, probe);

        Assert.Equal(ExecutionProviderSelector.Cpu, choice.Provider);
        Assert.Contains("libcudart", choice.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownProviderName_Throws()
    {
        using SessionOptions options = new();

        Assert.Throws<ArgumentException>(() => ExecutionProviderSelector.Apply(options, new InferenceOptions { ExecutionProvider = "tpu" }, new FakeExecutionProviderProbe(CpuOnly)));
    }

    [Fact]
    public void Apply_Cuda_PassesDeviceAndConvolutionSearchAsOrtProviderOptions()
    {
        using SessionOptions options = new();
        FakeExecutionProviderProbe probe = new(WithCuda);

        ExecutionProviderSelector.Apply(options, new InferenceOptions { ExecutionProvider = "cuda", DeviceId = 2, CudnnConvAlgoSearch = "heuristic" }, probe);

        Assert.NotNull(probe.CudaOptions);
        Assert.Equal("2", probe.CudaOptions["device_id"]);
        Assert.Equal("HEURISTIC", probe.CudaOptions["cudnn_conv_algo_search"]);
    }

    [Fact]
    public void CudaOptions_UnknownConvolutionSearch_ThrowsNamingTheSetting()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => ExecutionProviderSelector.CudaOptions(new InferenceOptions { CudnnConvAlgoSearch = "fastest" }));

        Assert.Contains("Inference:CudnnConvAlgoSearch", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CUDAExecutionProvider", null, 3, true)]
    [InlineData("CUDAExecutionProvider", null, 1, false)]
    [InlineData("CUDAExecutionProvider", false, 3, false)]
    [InlineData("CPUExecutionProvider", null, 3, false)]
    [InlineData("CPUExecutionProvider", true, 3, true)]
    public void SessionPerBatchSize_OnByDefaultOnlyForCudaWithSeveralPaddedSizes(string provider, bool? configured, int paddedSizes, bool expected)
    {
        InferenceOptions options = new() { SessionPerBatchSize = configured };

        Assert.Equal(expected, OnnxModelSession.UsesSessionPerBatchSize(options, provider, paddedSizes));
    }

    [Fact]
    public void RealProbe_OnThisBuild_ListsCpuProvider()
    {
        IReadOnlyList<string> providers = new OrtExecutionProviderProbe().AvailableProviders();

        Assert.Contains(ExecutionProviderSelector.Cpu, providers);
    }
}
