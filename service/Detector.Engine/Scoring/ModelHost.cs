using System.Diagnostics;
using Detector.Engine.Batching;
using Detector.Engine.Inference;
using Detector.Engine.Models;
using Detector.Engine.Telemetry;
using Detector.Imaging.Preprocessing;
using Microsoft.Extensions.Logging;

namespace Detector.Engine.Scoring;

/// <summary>A model ready to serve: its manifest, its one ONNX session and its batcher.</summary>
public sealed class LoadedModel
{
    internal LoadedModel(ModelDefinition definition, OnnxModelSession session, ModelBatcher batcher)
    {
        Definition = definition;
        Session = session;
        Batcher = batcher;
    }

    public ModelDefinition Definition { get; }

    public ModelManifest Manifest => Definition.Manifest;

    public string Name => Definition.Name;

    /// <summary>ORT provider actually in use for this model.</summary>
    public string ExecutionProvider => Session.Provider.Provider;

    /// <summary>Why the model runs on CPU when the configuration allowed CUDA; null when it runs on CUDA or cpu was configured.</summary>
    public string? ProviderFallbackReason => Session.Provider.FallbackReason;

    public ModelBatchingSettings Batching => Batcher.Settings;

    internal OnnxModelSession Session { get; }

    internal ModelBatcher Batcher { get; }
}

/// <summary>
/// Loads every model once at start-up (sessions are expensive), owns their batchers, warms them up, and drains them on stop.
/// Construction throws <see cref="ManifestException"/> for any broken manifest or model, naming the file and the field.
/// </summary>
public sealed class ModelHost : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Dictionary<string, LoadedModel> _byName;
    private readonly CancellationTokenSource _drainStarted = new();
    private volatile bool _ready;
    private volatile bool _draining;

    /// <summary>The clock of the batchers' deadlines, shared with the scoring engine.</summary>
    public TimeProvider Time { get; }

    public ModelHost(
        IReadOnlyList<ModelDefinition> definitions,
        InferenceOptions inference,
        BatchingOptions batching,
        IExecutionProviderProbe probe,
        TimeProvider time,
        ILogger<ModelHost> logger)
        : this(definitions, inference, batching, probe, time, logger, wrapRunner: null)
    {
    }

    /// <summary>As the public constructor, with each model's runner (warm-up included) wrapped: the seam through which tests hold a model at a gate.</summary>
    internal ModelHost(
        IReadOnlyList<ModelDefinition> definitions,
        InferenceOptions inference,
        BatchingOptions batching,
        IExecutionProviderProbe probe,
        TimeProvider time,
        ILogger<ModelHost> logger,
        Func<IModelRunner, IModelRunner>? wrapRunner)
    {
        _logger = logger;
        Time = time;
        List<LoadedModel> models = [];
        try
        {
            foreach (ModelDefinition definition in definitions)
            {
                OnnxModelSession session = new(definition, inference, probe);
                LogProvider(definition, session.Provider, inference);
                ModelBatchingSettings settings = batching.For(definition.Name, definition.Manifest.MaxBatchSize, onGpu: session.Provider.Provider == ExecutionProviderSelector.Cuda);
                session.OpenSessionPerBatchSize(settings.PadToSizes);
                ModelBatcher batcher = new(definition.Name, wrapRunner?.Invoke(session) ?? session, settings, time, logger);
                models.Add(new LoadedModel(definition, session, batcher));
                EngineLog.ModelLoaded(_logger, definition.Name, definition.Manifest.Version, definition.Manifest.Task.ToWireName(), session.Provider.Provider, settings.MaxBatchSize, definition.FileSha256);
            }
        }
        catch
        {
            foreach (LoadedModel loaded in models)
            {
                loaded.Batcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
                loaded.Session.Dispose();
            }

            throw;
        }

        DrainStarted = _drainStarted.Token;
        Models = models;
        _byName = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
        Defaults = models.Where(m => m.Manifest.IsDefault).ToArray();
    }

    public IReadOnlyList<LoadedModel> Models { get; }

    public IReadOnlyList<LoadedModel> Defaults { get; }

    /// <summary>True once every model is warmed up, until a drain starts.</summary>
    public bool IsReady => _ready;

    public bool IsDraining { get => _draining; private set => _draining = value; }

    /// <summary>Cancelled when a drain starts: long calls (streams) stop taking images and end.</summary>
    public CancellationToken DrainStarted { get; }

    public bool TryGet(string name, out LoadedModel model) => _byName.TryGetValue(name, out model!);

    /// <summary>Runs every warm-up batch size of every model once; then the host reports ready.</summary>
    public void WarmUp()
    {
        foreach (LoadedModel model in Models)
        {
            long start = Stopwatch.GetTimestamp();
            PreprocessRecipe recipe = model.Manifest.Recipe;
            (int height, int width) = recipe.ResizeMode == ResizeMode.None ? (64, 64) : (recipe.Height, recipe.Width);
            IReadOnlyList<int> sizes = model.Batcher.WarmUp(height, width, recipe.Channels * height * width);
            EngineLog.WarmedUp(_logger, model.Name, string.Join(",", sizes), Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        _ready = !IsDraining;
    }

    /// <summary>Stops admission at once: health goes NOT_SERVING and new images are refused as UNAVAILABLE.</summary>
    public void BeginDrain()
    {
        IsDraining = true;
        _ready = false;
        try
        {
            _drainStarted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A stop after the host was disposed: nothing is listening any more.
        }
    }

    /// <summary>Stops admission on every model and answers everything already accepted.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        EngineLog.Draining(_logger, Models.Sum(m => m.Batcher.QueueDepth), Models.Sum(m => m.Batcher.InFlight));
        await Task.WhenAll(Models.Select(m => m.Batcher.DrainAsync(cancellationToken))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _ready = false;
        foreach (LoadedModel model in Models)
        {
            await model.Batcher.DisposeAsync().ConfigureAwait(false);
            model.Session.Dispose();
        }

        _drainStarted.Dispose();
    }

    private void LogProvider(ModelDefinition definition, ProviderChoice choice, InferenceOptions inference)
    {
        if (choice.FallbackReason is null)
        {
            EngineLog.ProviderChosen(_logger, definition.Name, choice.Provider, $"Inference:ExecutionProvider={inference.ExecutionProvider}");
        }
        else if (inference.ExecutionProvider.Equals("cuda", StringComparison.OrdinalIgnoreCase))
        {
            EngineLog.ProviderFallback(_logger, definition.Name, choice.Provider, choice.FallbackReason);
        }
        else
        {
            EngineLog.ProviderChosen(_logger, definition.Name, choice.Provider, choice.FallbackReason);
        }
    }
}
