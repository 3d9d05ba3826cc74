using Microsoft.ML.OnnxRuntime;

namespace Detector.Engine.Inference;

/// <summary>What the selector decided for one session, and why.</summary>
/// <param name="Provider">ORT provider name in use: "CUDAExecutionProvider" or "CPUExecutionProvider".</param>
/// <param name="FallbackReason">Why CUDA was not used when it was asked for (null when nothing fell back).</param>
public sealed record ProviderChoice(string Provider, string? FallbackReason);

/// <summary>The parts of ONNX Runtime the selector touches, so that its logic is testable without a GPU.</summary>
public interface IExecutionProviderProbe
{
    /// <summary>Providers compiled into the loaded native library.</summary>
    IReadOnlyList<string> AvailableProviders();

    /// <summary>Appends CUDA with its provider options (device_id included); throws when no usable device or driver is present.</summary>
    void AppendCuda(SessionOptions options, IReadOnlyDictionary<string, string> cudaOptions);

    /// <summary>
    /// Creates the session. With CUDA appended, this is where ONNX Runtime opens the device and loads cuDNN, so a missing
    /// or broken device or library can fail here even though <see cref="AppendCuda"/> succeeded.
    /// </summary>
    InferenceSession CreateSession(string modelPath, SessionOptions options);
}

/// <summary>The real probe.</summary>
public sealed class OrtExecutionProviderProbe : IExecutionProviderProbe
{
    public IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();

    public void AppendCuda(SessionOptions options, IReadOnlyDictionary<string, string> cudaOptions)
    {
        using OrtCUDAProviderOptions cuda = new();
        cuda.UpdateOptions(cudaOptions.ToDictionary());
        options.AppendExecutionProvider_CUDA(cuda);
    }

    public InferenceSession CreateSession(string modelPath, SessionOptions options) => new(modelPath, options);
}

/// <summary>Chooses CUDA or CPU for a session from configuration and what the machine offers.</summary>
public static class ExecutionProviderSelector
{
    public const string Cuda = "CUDAExecutionProvider";
    public const string Cpu = "CPUExecutionProvider";

    public static ProviderChoice Apply(SessionOptions options, InferenceOptions config, IExecutionProviderProbe probe)
    {
        string wanted = config.ExecutionProvider.Trim().ToLowerInvariant();
        if (wanted == "cpu")
        {
            return new ProviderChoice(Cpu, null);
        }

        if (wanted is not ("auto" or "cuda"))
        {
            throw new ArgumentException($"Inference:ExecutionProvider '{config.ExecutionProvider}' is not one of auto, cuda, cpu.");
        }

        if (!probe.AvailableProviders().Contains(Cuda))
        {
            return new ProviderChoice(Cpu, "this build of ONNX Runtime has no CUDA provider (CPU package); build with -p:DetectorGpu=true for CUDA");
        }

        try
        {
            probe.AppendCuda(options, CudaOptions(config));
            return new ProviderChoice(Cuda, null);
        }
        catch (Exception ex) when (IsCudaFailure(ex))
        {
            return new ProviderChoice(Cpu, CudaUnusable(config, ex.Message));
        }
    }

    /// <summary>The fallback reason when the configured CUDA device fails, at the append or when the session is created.</summary>
    public static string CudaUnusable(InferenceOptions config, string detail) => $"CUDA device {config.DeviceId} could not be used: {detail}";

    /// <summary>Whether <paramref name="exception"/> is how ONNX Runtime reports a CUDA device, driver or library it cannot use.</summary>
    public static bool IsCudaFailure(Exception exception) =>
        exception is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException;

    /// <summary>The CUDA provider options that the configuration sets (ORT's names).</summary>
    public static IReadOnlyDictionary<string, string> CudaOptions(InferenceOptions config)
    {
        string search = config.CudnnConvAlgoSearch.Trim().ToUpperInvariant();
        if (search is not ("EXHAUSTIVE" or "HEURISTIC" or "DEFAULT"))
        {
            throw new ArgumentException($"Inference:CudnnConvAlgoSearch '{config.CudnnConvAlgoSearch}' is not one of EXHAUSTIVE, HEURISTIC, DEFAULT.");
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = config.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = search,
        };
    }
}
