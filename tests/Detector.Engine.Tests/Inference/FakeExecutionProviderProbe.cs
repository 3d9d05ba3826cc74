using Detector.Engine.Inference;
using Microsoft.ML.OnnxRuntime;

namespace Detector.Engine.Tests.Inference;

/// <summary>
/// Pretends the machine offers <paramref name="providers"/>. AppendCuda appends nothing (or throws
/// <paramref name="appendFailure"/>); a session created from options that CUDA was appended to throws
/// <paramref name="cudaSessionFailure"/> when given, as ONNX Runtime does when it opens a broken device; every other
/// session is a real CPU session.
/// </summary>
internal sealed class FakeExecutionProviderProbe(string[] providers, Exception? appendFailure = null, Exception? cudaSessionFailure = null) : IExecutionProviderProbe
{
    public static readonly string[] CpuOnly = [ExecutionProviderSelector.Cpu];
    public static readonly string[] WithCuda = [ExecutionProviderSelector.Cuda, ExecutionProviderSelector.Cpu];

    private readonly HashSet<SessionOptions> _withCuda = new(ReferenceEqualityComparer.Instance);

    public int AppendCalls { get; private set; }

    public int? DeviceId { get; private set; }

    public IReadOnlyDictionary<string, string>? CudaOptions { get; private set; }

    /// <summary>Sessions asked for with CUDA appended.</summary>
    public int CudaSessionAttempts { get; private set; }

    /// <summary>Sessions created without CUDA.</summary>
    public int CpuSessions { get; private set; }

    public IReadOnlyList<string> AvailableProviders() => providers;

    public void AppendCuda(SessionOptions options, IReadOnlyDictionary<string, string> cudaOptions)
    {
        AppendCalls++;
        CudaOptions = cudaOptions;
        DeviceId = int.Parse(cudaOptions["device_id"], System.Globalization.CultureInfo.InvariantCulture);
        if (appendFailure is not null)
        {
            throw appendFailure;
        }

        _withCuda.Add(options);
    }

    public InferenceSession CreateSession(string modelPath, SessionOptions options)
    {
        if (_withCuda.Contains(options))
        {
            CudaSessionAttempts++;
            if (cudaSessionFailure is not null)
            {
                throw cudaSessionFailure;
            }
        }
        else
        {
            CpuSessions++;
        }

        return new InferenceSession(modelPath, options);
    }

    /// <summary>A genuine <see cref="OnnxRuntimeException"/> (its constructors are internal): ORT's answer to bytes that are no model.</summary>
    public static OnnxRuntimeException OrtError()
    {
        try
        {
            using InferenceSession session = new(new byte[] { 0x08, 0xFF, 0xFF });
        }
        catch (OnnxRuntimeException ex)
        {
            return ex;
        }

        throw new InvalidOperationException("ONNX Runtime accepted bytes that are no model.");
    }
}
