using Detector.Engine.Models;
using Detector.Imaging.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Detector.Engine.Inference;

/// <summary>
/// One ONNX Runtime session for one model, created once and shared: <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe, so every batcher instance of the model runs through it. Uses the OrtValue API over caller-owned buffers (no copies).
/// </summary>
public sealed class OnnxModelSession : IModelRunner, IDisposable
{
    private readonly InferenceSession _session;
    private readonly InferenceOptions _options;
    private readonly IExecutionProviderProbe _probe;
    private readonly Dictionary<int, InferenceSession> _sessionBySize = [];
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <param name="model">The model to load; its manifest is checked against the graph.</param>
    /// <param name="options">ORT settings, the provider among them.</param>
    /// <param name="probe">What the machine offers (CUDA or not).</param>
    public OnnxModelSession(ModelDefinition model, InferenceOptions options, IExecutionProviderProbe probe)
    {
        Model = model;
        _options = options;
        _probe = probe;
        ModelManifest manifest = model.Manifest;
        (_session, ProviderChoice provider) = Open(manifest, options, probe);
        Provider = provider;
        try
        {
            Validate(manifest);
        }
        catch
        {
            Dispose();
            throw;
        }

        _inputNames = [manifest.InputName];
        _outputNames = [manifest.Output.Name];
    }

    /// <summary>
    /// Gives each batch size the batcher pads to a session of its own when <see cref="UsesSessionPerBatchSize"/> says so,
    /// so that no session's input shape ever changes (CUDA re-plans its convolutions on every shape change).
    /// Call once, before the first <see cref="Run"/>.
    /// </summary>
    public void OpenSessionPerBatchSize(IReadOnlyList<int> batchSizes)
    {
        if (!UsesSessionPerBatchSize(_options, Provider.Provider, batchSizes.Count))
        {
            return;
        }

        // The sized sessions follow the provider of the first one: after a fallback to CPU they do not try CUDA again.
        bool allowCuda = Provider.Provider == ExecutionProviderSelector.Cuda;
        foreach (int size in batchSizes.Distinct().Where(s => !_sessionBySize.ContainsKey(s)))
        {
            (InferenceSession sized, _) = Open(Model.Manifest, _options, _probe, allowCuda);
            _sessionBySize[size] = sized;
        }
    }

    public ModelDefinition Model { get; }

    public ProviderChoice Provider { get; }

    /// <summary>The batch sizes that have a session of their own (empty: one session runs every size).</summary>
    public IReadOnlyCollection<int> DedicatedBatchSizes => _sessionBySize.Keys;

    /// <summary>Whether each padded batch size gets its own session: configured, or by default on CUDA with more than one size.</summary>
    public static bool UsesSessionPerBatchSize(InferenceOptions options, string provider, int paddedSizes) =>
        options.SessionPerBatchSize ?? (provider == ExecutionProviderSelector.Cuda && paddedSizes > 1);

    /// <summary>
    /// Runs one batch. <paramref name="input"/> holds <paramref name="batchSize"/> tensors of
    /// <paramref name="height"/> × <paramref name="width"/> back to back. Returns the output flattened, and how many values belong to each image.
    /// </summary>
    public (float[] Output, int PerImage) Run(Memory<float> input, int batchSize, int height, int width)
    {
        PreprocessRecipe recipe = Model.Manifest.Recipe;
        int channels = recipe.Channels;
        long[] shape = recipe.Layout == TensorLayout.Nchw
            ? [batchSize, channels, height, width]
            : [batchSize, height, width, channels];
        int length = checked(batchSize * channels * height * width);

        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input[..length], shape);
        InferenceSession session = _sessionBySize.GetValueOrDefault(batchSize, _session);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(_runOptions, _inputNames, [inputValue], _outputNames);
        OrtValue output = outputs[0];
        ReadOnlySpan<float> values = output.GetTensorDataAsSpan<float>();
        long[] outShape = output.GetTensorTypeAndShape().Shape;
        if (outShape.Length == 0 || outShape[0] != batchSize || values.Length % batchSize != 0)
        {
            throw new InvalidOperationException($"Model '{Model.Name}' returned output shape [{string.Join(",", outShape)}] for a batch of {batchSize}.");
        }

        return (values.ToArray(), values.Length / batchSize);
    }

    public void Dispose()
    {
        foreach (InferenceSession sized in _sessionBySize.Values)
        {
            sized.Dispose();
        }

        _sessionBySize.Clear();
        _session.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>
    /// Creates a session on the provider that <see cref="ExecutionProviderSelector"/> chooses. ONNX Runtime opens the CUDA
    /// device (and loads cuDNN) only when the session is created, so that can fail too: the session is then created on
    /// CPU and the reason kept in <see cref="ProviderChoice.FallbackReason"/>, as when the device cannot be appended.
    /// </summary>
    private static (InferenceSession Session, ProviderChoice Provider) Open(ModelManifest manifest, InferenceOptions options, IExecutionProviderProbe probe, bool allowCuda = true)
    {
        Exception cudaFailure;
        using (SessionOptions sessionOptions = CreateSessionOptions(options))
        {
            ProviderChoice provider = allowCuda
                ? ExecutionProviderSelector.Apply(sessionOptions, options, probe)
                : new ProviderChoice(ExecutionProviderSelector.Cpu, null);
            if (provider.Provider == ExecutionProviderSelector.Cpu)
            {
                return (CreateOnCpu(manifest, sessionOptions, options, probe), provider);
            }

            try
            {
                return (probe.CreateSession(manifest.ModelPath, sessionOptions), provider);
            }
            catch (Exception ex) when (ExecutionProviderSelector.IsCudaFailure(ex))
            {
                cudaFailure = ex;
            }
        }

        // As when the device cannot even be appended: the model runs on CPU and the reason is kept (logged as a warning
        // when cuda was asked for). A model that ONNX Runtime cannot load at all fails here as a manifest error.
        using SessionOptions cpuOptions = CreateSessionOptions(options);
        InferenceSession session = CreateOnCpu(manifest, cpuOptions, options, probe);
        return (session, new ProviderChoice(ExecutionProviderSelector.Cpu, ExecutionProviderSelector.CudaUnusable(options, $"creating the session on it failed: {cudaFailure.Message}")));
    }

    private static SessionOptions CreateSessionOptions(InferenceOptions options)
    {
        SessionOptions sessionOptions = new()
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        return sessionOptions;
    }

    private static InferenceSession CreateOnCpu(ModelManifest manifest, SessionOptions sessionOptions, InferenceOptions options, IExecutionProviderProbe probe)
    {
        if (options.IntraOpThreads <= 0)
        {
            sessionOptions.IntraOpNumThreads = InferenceOptions.AutoIntraOpThreads;
        }

        try
        {
            return probe.CreateSession(manifest.ModelPath, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ManifestException(manifest.ManifestPath, "file", $"ONNX Runtime cannot load '{Path.GetFileName(manifest.ModelPath)}': {ex.Message}", ex);
        }
    }

    /// <summary>Checks the manifest against the graph, so that a mismatch stops start-up rather than failing requests.</summary>
    private void Validate(ModelManifest manifest)
    {
        if (!_session.InputMetadata.TryGetValue(manifest.InputName, out NodeMetadata? input))
        {
            throw new ManifestException(manifest.ManifestPath, "input.name", $"the model has no input '{manifest.InputName}' (inputs: {string.Join(", ", _session.InputMetadata.Keys)})");
        }

        if (input.ElementDataType != TensorElementType.Float)
        {
            throw new ManifestException(manifest.ManifestPath, "input.name", $"input '{manifest.InputName}' is {input.ElementDataType}; only float32 inputs are supported");
        }

        if (!_session.OutputMetadata.ContainsKey(manifest.Output.Name))
        {
            throw new ManifestException(manifest.ManifestPath, "output.name", $"the model has no output '{manifest.Output.Name}' (outputs: {string.Join(", ", _session.OutputMetadata.Keys)})");
        }

        int[] dims = input.Dimensions;
        if (dims.Length != 4)
        {
            throw new ManifestException(manifest.ManifestPath, "input.name", $"input '{manifest.InputName}' has rank {dims.Length}; a 4-D image tensor is required");
        }

        PreprocessRecipe recipe = manifest.Recipe;
        bool nchw = recipe.Layout == TensorLayout.Nchw;
        (int c, int h, int w) = nchw ? (dims[1], dims[2], dims[3]) : (dims[3], dims[1], dims[2]);
        if (c > 0 && c != recipe.Channels)
        {
            throw new ManifestException(manifest.ManifestPath, "input.colorOrder", $"the model expects {c} channels but the recipe produces {recipe.Channels} (layout {recipe.Layout})");
        }

        if (recipe.ResizeMode != ResizeMode.None)
        {
            if (h > 0 && h != recipe.Height)
            {
                throw new ManifestException(manifest.ManifestPath, "input.height", $"the model's input height is {h}, the manifest says {recipe.Height}");
            }

            if (w > 0 && w != recipe.Width)
            {
                throw new ManifestException(manifest.ManifestPath, "input.width", $"the model's input width is {w}, the manifest says {recipe.Width}");
            }
        }

        if (dims[0] > 0 && manifest.MaxBatchSize > dims[0])
        {
            throw new ManifestException(manifest.ManifestPath, "maxBatchSize", $"the model's batch dimension is fixed at {dims[0]}; set maxBatchSize to at most {dims[0]}");
        }
    }
}
