using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Tests.Models;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing;
using Detector.TestSupport;
using Microsoft.ML.OnnxRuntime;

namespace Detector.Engine.Tests.Inference;

/// <summary>
/// Session-per-batch-size (the CUDA default with padding), exercised on the CPU provider with the shipped model, and the
/// provider fallback when ONNX Runtime cannot create the session on the GPU (faked: no GPU here).
/// </summary>
public sealed class OnnxModelSessionTests
{
    private static ModelDefinition ShippedDefault() =>
        ModelRepository.Load(new ModelRepositoryOptions { Directory = ShippedModelsTests.RepositoryModels() }).First(m => m.Manifest.IsDefault);

    [Fact]
    public void Constructor_CpuWithPaddedSizes_KeepsOneSessionByDefault()
    {
        using OnnxModelSession session = new(ShippedDefault(), new InferenceOptions { ExecutionProvider = "cpu" }, new OrtExecutionProviderProbe());
        session.OpenSessionPerBatchSize([1, 4]);

        Assert.Empty(session.DedicatedBatchSizes);
    }

    [Fact]
    public void Run_SessionPerBatchSize_EachSizeHasItsOwnSessionAndGivesTheSameScores()
    {
        ModelDefinition model = ShippedDefault();
        InferenceOptions cpu = new() { ExecutionProvider = "cpu" };
        using OnnxModelSession shared = new(model, cpu, new OrtExecutionProviderProbe());
        using OnnxModelSession perSize = new(model, new InferenceOptions { ExecutionProvider = "cpu", SessionPerBatchSize = true }, new OrtExecutionProviderProbe());
        perSize.OpenSessionPerBatchSize([1, 4, 4]);

        using DecodedImage image = new ImageSharpDecoder(new ImagingOptions()).Decode(TestImages.Textured(300, 260, jpeg: true));
        (int height, int width) = ImagePreprocessor.TensorSize(model.Manifest.Recipe, image.Width, image.Height);
        int perImage = model.Manifest.Recipe.Channels * height * width;
        float[] batch = new float[4 * perImage];
        for (int i = 0; i < 4; i++)
        {
            ImagePreprocessor.Write(image, model.Manifest.Recipe, batch.AsSpan(i * perImage, perImage));
        }

        (float[] single, _) = shared.Run(batch.AsMemory(0, perImage), 1, height, width);
        (float[] four, int per) = perSize.Run(batch, 4, height, width);
        (float[] one, _) = perSize.Run(batch.AsMemory(0, perImage), 1, height, width);

        Assert.Equal([1, 4], perSize.DedicatedBatchSizes.Order());
        Assert.Equal(single, one);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(single[0], four[i * per], 5);
        }
    }

    [Fact]
    public void Constructor_AutoAndCreatingTheCudaSessionFails_FallsBackToCpuWithTheReason()
    {
        OnnxRuntimeException cudaError = FakeExecutionProviderProbe.OrtError();
        FakeExecutionProviderProbe probe = new(FakeExecutionProviderProbe.WithCuda, cudaSessionFailure: cudaError);

        using OnnxModelSession session = new(ShippedDefault(), new InferenceOptions { ExecutionProvider = "auto", DeviceId = 1 }, probe);

        Assert.Equal(ExecutionProviderSelector.Cpu, session.Provider.Provider);
        Assert.NotNull(session.Provider.FallbackReason);
        Assert.Contains("CUDA device 1 could not be used", session.Provider.FallbackReason, StringComparison.Ordinal);
        Assert.Contains(cudaError.Message, session.Provider.FallbackReason, StringComparison.Ordinal);
        Assert.Equal(1, probe.CudaSessionAttempts);
        Assert.Equal(1, probe.CpuSessions);
    }

    [Fact]
    public void Constructor_CudaAskedForAndCreatingTheCudaSessionFails_FallsBackToCpuWithTheReasonLikeAFailedAppend()
    {
        FakeExecutionProviderProbe probe = new(FakeExecutionProviderProbe.WithCuda, cudaSessionFailure: FakeExecutionProviderProbe.OrtError());

        using OnnxModelSession session = new(ShippedDefault(), new InferenceOptions { ExecutionProvider = "cuda" }, probe);

        Assert.Equal(ExecutionProviderSelector.Cpu, session.Provider.Provider);
        Assert.StartsWith("CUDA device 0 could not be used: creating the session on it failed", session.Provider.FallbackReason, StringComparison.Ordinal);
        Assert.Equal(1, probe.CpuSessions);
    }

    [Fact]
    public void Constructor_CudaSessionCreated_UsesCudaWithoutFallback()
    {
        FakeExecutionProviderProbe probe = new(FakeExecutionProviderProbe.WithCuda);

        using OnnxModelSession session = new(ShippedDefault(), new InferenceOptions { ExecutionProvider = "auto" }, probe);

        Assert.Equal(new ProviderChoice(ExecutionProviderSelector.Cuda, null), session.Provider);
        Assert.Equal(1, probe.CudaSessionAttempts);
        Assert.Equal(0, probe.CpuSessions);
    }

    [Fact]
    public void OpenSessionPerBatchSize_AfterAFallbackToCpu_SizedSessionsStayOnCpu()
    {
        FakeExecutionProviderProbe probe = new(FakeExecutionProviderProbe.WithCuda, cudaSessionFailure: FakeExecutionProviderProbe.OrtError());
        using OnnxModelSession session = new(ShippedDefault(), new InferenceOptions { ExecutionProvider = "auto", SessionPerBatchSize = true }, probe);

        session.OpenSessionPerBatchSize([1, 4]);

        Assert.Equal([1, 4], session.DedicatedBatchSizes.Order());
        Assert.Equal(1, probe.CudaSessionAttempts);
        Assert.Equal(3, probe.CpuSessions);
    }
}
