using Detector.Engine.Batching;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Microsoft.Extensions.Logging.Abstractions;

namespace Detector.Engine.Tests.Scoring;

/// <summary>A model host on CPU over a test model folder, with default batching.</summary>
internal static class TinyModelHost
{
    public static ModelHost Create(string modelFolder, TimeProvider? time = null, BatchingOptions? batching = null) => new(
        ModelRepository.Load(new ModelRepositoryOptions { Directory = modelFolder }),
        new InferenceOptions { ExecutionProvider = "cpu" },
        batching ?? new BatchingOptions(),
        new OrtExecutionProviderProbe(),
        time ?? TimeProvider.System,
        NullLogger<ModelHost>.Instance);
}
