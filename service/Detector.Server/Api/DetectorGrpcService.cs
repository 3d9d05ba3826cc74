using System.Threading.Channels;
using Detector.Api.V1;
using Detector.Engine.Batching;
using Detector.Engine.Scoring;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Detector.Server.Api;

/// <summary>
/// The thin gRPC layer: validates requests, hands images to the <see cref="ScoringEngine"/>, maps results and errors.
/// </summary>
/// <remarks>Bound by <see cref="DetectorServiceBinding"/>, not by the generated code, so that unparsable messages get INVALID_ARGUMENT.</remarks>
[BindServiceMethod(typeof(DetectorServiceBinding), nameof(DetectorServiceBinding.BindService))]
internal sealed class DetectorGrpcService(ScoringEngine engine, IOptions<ApiOptions> options, ILogger<DetectorGrpcService> logger)
    : DetectorService.DetectorServiceBase
{
    private readonly ApiOptions _options = options.Value;

    public override async Task<ScoreResponse> Score(ScoreRequest request, ServerCallContext context)
    {
        ImageInput image = request.Image ?? throw Refuse(request.Options, "image is required");
        ValidateId(image.Id, request.Options);
        try
        {
            ImageScore score = await engine.ScoreAsync(ToEngineRequest(image, request.Options, WorkPriority.Interactive, context), context.CancellationToken);
            return new ScoreResponse { Result = ResultMapper.ToProto(score) };
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(image.Id, ex);
        }
    }

    public override async Task<ScoreBatchResponse> ScoreBatch(ScoreBatchRequest request, ServerCallContext context)
    {
        if (request.Images.Count == 0)
        {
            throw GrpcErrors.InvalidArgument("images is empty");
        }

        if (request.Images.Count > _options.MaxBatchImages)
        {
            throw GrpcErrors.InvalidArgument($"{request.Images.Count} images in one ScoreBatch call, over the limit of {_options.MaxBatchImages}; use ScoreStream for bulk jobs");
        }

        // The options apply to every image: an unknown model or evidence level fails the whole call, not each item.
        IReadOnlyList<LoadedModel> models = ResolveOrThrow(request.Options);
        _ = EvidenceScopeOf(request.Options, WorkPriority.Bulk, images: request.Images.Count);
        RefuseIfNotAccepting(models, request.Images.Count);
        Task<ImageResult>[] results = new Task<ImageResult>[request.Images.Count];
        for (int i = 0; i < results.Length; i++)
        {
            // The engine decodes inline while a worker slot is free (no thread hop for a lone image), so each image
            // starts on its own task: called directly, the loop would decode the call's images one after another.
            ImageInput image = request.Images[i];
            results[i] = Task.Run(() => ScoreItemAsync(image, request.Options, context), CancellationToken.None);
        }

        ScoreBatchResponse response = new();
        response.Results.AddRange(await Task.WhenAll(results));
        return response;
    }

    public override async Task ScoreStream(IAsyncStreamReader<ScoreStreamRequest> requestStream, IServerStreamWriter<ScoreStreamResponse> responseStream, ServerCallContext context)
    {
        // Warming up or stopping: refuse the call itself, which clients' retry policies act on, before reading anything
        // (no image has arrived, so none is counted).
        RefuseIfNotAccepting([], 0);

        // One writer: IServerStreamWriter allows a single write at a time, results finish in any order.
        Channel<ImageResult> finished = Channel.CreateUnbounded<ImageResult>(new UnboundedChannelOptions { SingleReader = true });

        // Bounded in-flight images, counted until their result is written: when full, we stop reading, and HTTP/2 flow
        // control pushes back on the client; a client that does not read its results cannot grow server memory either.
        using SemaphoreSlim inFlight = new(_options.MaxInFlightPerStream, _options.MaxInFlightPerStream);
        // A drain (SIGTERM) stops the reading too: a stream of a hundred thousand images would otherwise hold the stop
        // until its timeout, answering UNAVAILABLE image after image.
        using CancellationTokenSource stopReading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, engine.Host.DrainStarted);
        Task writer = WriteResultsAsync(finished.Reader, responseStream, inFlight, context.CancellationToken);
        List<Task> running = [];
        int read = 0;
        bool drained = false;
        Status? unreadable = null;
        try
        {
            while (true)
            {
                try
                {
                    // Take a slot before reading: the next message stays unread (in HTTP/2 buffers) until one frees.
                    await inFlight.WaitAsync(stopReading.Token);
                    if (!await requestStream.MoveNext(stopReading.Token))
                    {
                        inFlight.Release();
                        break;
                    }
                }
                catch (OperationCanceledException) when (engine.Host.IsDraining && !context.CancellationToken.IsCancellationRequested)
                {
                    drained = true;
                    break;
                }
                catch (RpcException ex) when (!context.CancellationToken.IsCancellationRequested)
                {
                    // A message the server cannot take (over Api:MaxMessageBytes, or not valid protobuf: see
                    // DetectorServiceBinding): the stream cannot go on past it, but the images read before it are still answered below.
                    unreadable = new Status(ex.StatusCode, $"{ex.Status.Detail} (message {read + 1} of this stream; the {read} images before it were answered)");
                    break;
                }

                // On its own task, so that reading the next message does not wait for this image's inline decode.
                read++;
                ScoreStreamRequest message = requestStream.Current;
                running.Add(Task.Run(() => ScoreAndPublishAsync(message, context, finished.Writer, inFlight), CancellationToken.None));
                running.RemoveAll(static t => t.IsCompleted);
            }
        }
        finally
        {
            // Whatever ended the reading, every image read is answered (or, if the client left, abandoned) before the
            // results channel closes; the tasks never throw, each failure is its image's status.
            await Task.WhenAll(running);
            finished.Writer.TryComplete();
            await writer;
        }

        if (unreadable is { } status)
        {
            throw new RpcException(status);
        }

        if (drained)
        {
            // Every image read was answered above; the client sends the rest again, to another instance.
            throw new RpcException(new Status(StatusCode.Unavailable, $"the service is shutting down: this stream was closed after {read} images, each answered; send the rest again"));
        }
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        ListModelsResponse response = new();
        foreach (LoadedModel model in engine.Host.Models)
        {
            response.Models.Add(ResultMapper.ToProto(model));
        }

        return Task.FromResult(response);
    }

    private static async Task WriteResultsAsync(ChannelReader<ImageResult> reader, IServerStreamWriter<ScoreStreamResponse> responseStream, SemaphoreSlim inFlight, CancellationToken callEnded)
    {
        bool writing = true;
        await foreach (ImageResult result in reader.ReadAllAsync())
        {
            try
            {
                if (writing)
                {
                    await responseStream.WriteAsync(new ScoreStreamResponse { Result = result });
                }
            }
            catch (Exception) when (callEnded.IsCancellationRequested)
            {
                // The client cancelled or its deadline passed: the call is over and nobody reads the rest. Results that
                // finish now are dropped quietly (a normal client action must not log an error); the slots still free.
                writing = false;
            }
            finally
            {
                inFlight.Release();
            }
        }
    }

    private async Task ScoreAndPublishAsync(ScoreStreamRequest message, ServerCallContext context, ChannelWriter<ImageResult> finished, SemaphoreSlim inFlight)
    {
        ImageResult result = message.Image is null
            ? ResultMapper.Failed("", Refuse(message.Options, "image is required").Status)
            : await ScoreItemAsync(message.Image, message.Options, context);

        // The writer frees the slot once the result is on the wire.
        if (!finished.TryWrite(result))
        {
            inFlight.Release();
        }
    }

    /// <summary>Scores one item of a batch or stream: any failure becomes that item's status, never the call's.</summary>
    private async Task<ImageResult> ScoreItemAsync(ImageInput image, ScoreOptions? scoreOptions, ServerCallContext context)
    {
        try
        {
            ValidateId(image.Id, scoreOptions);
            ImageScore score = await engine.ScoreAsync(ToEngineRequest(image, scoreOptions, WorkPriority.Bulk, context), context.CancellationToken);
            return ResultMapper.ToProto(score);
        }
        catch (Exception ex)
        {
            LogIfUnexpected(image.Id, ex);
            return ResultMapper.Failed(image.Id, GrpcErrors.ToStatus(ex, out _));
        }
    }

    private ScoringRequest ToEngineRequest(ImageInput image, ScoreOptions? scoreOptions, WorkPriority priority, ServerCallContext context)
    {
        ValidateModelNames(scoreOptions);
        IReadOnlyList<string> models = scoreOptions is null ? [] : scoreOptions.Models;
        DateTimeOffset? deadline = context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(context.Deadline.ToUniversalTime(), TimeSpan.Zero);
        return new ScoringRequest(image.Id, image.Data.Memory, models, priority, deadline, EvidenceScopeOf(scoreOptions, priority));
    }

    private EvidenceScope EvidenceScopeOf(ScoreOptions? scoreOptions, WorkPriority priority, int images = 1)
    {
        EvidenceScope byDefault = priority == WorkPriority.Bulk ? _options.DefaultBulkEvidence ?? _options.DefaultEvidence : _options.DefaultEvidence;
        if (scoreOptions is null)
        {
            return byDefault;
        }

        EvidenceScope asked = scoreOptions.Evidence switch
        {
            EvidenceLevel.Unspecified => byDefault,
            EvidenceLevel.Full => EvidenceScope.Full,
            EvidenceLevel.Metadata => EvidenceScope.Metadata,
            EvidenceLevel.None => EvidenceScope.None,
            _ => throw Refuse(scoreOptions, $"evidence level {(int)scoreOptions.Evidence} is not one of FULL, METADATA, NONE", images),
        };

        // skip_evidence (the older switch) wins over any valid level, as the proto says.
        return scoreOptions.SkipEvidence ? EvidenceScope.None : asked;
    }

    private IReadOnlyList<LoadedModel> ResolveOrThrow(ScoreOptions? scoreOptions)
    {
        ValidateModelNames(scoreOptions);
        try
        {
            return engine.ResolveModels(scoreOptions is null ? [] : scoreOptions.Models);
        }
        catch (UnknownModelException ex)
        {
            throw GrpcErrors.ToRpcException(ex);
        }
    }

    /// <summary>
    /// Bounds the model list: a name is echoed in NOT_FOUND, and a status travels in an HTTP/2 header, which a client
    /// refuses past its header limit (64 KiB for .NET), failing every call of the connection, not just this one.
    /// </summary>
    private void ValidateModelNames(ScoreOptions? scoreOptions)
    {
        if (ModelNamesProblem(scoreOptions) is { } problem)
        {
            throw GrpcErrors.InvalidArgument(problem);
        }
    }

    private string? ModelNamesProblem(ScoreOptions? scoreOptions)
    {
        if (scoreOptions is null)
        {
            return null;
        }

        if (scoreOptions.Models.Count > _options.MaxModelsPerRequest)
        {
            return $"{scoreOptions.Models.Count} model names in one request, over the limit of {_options.MaxModelsPerRequest}";
        }

        foreach (string name in scoreOptions.Models)
        {
            if (name.Length > ApiOptions.MaxModelNameLength)
            {
                return $"a model name is {name.Length} characters long, over the limit of {ApiOptions.MaxModelNameLength}";
            }
        }

        return null;
    }

    private void ValidateId(string id, ScoreOptions? scoreOptions)
    {
        if (id.Length > _options.MaxIdLength)
        {
            throw Refuse(scoreOptions, $"id is {id.Length} characters long, over the limit of {_options.MaxIdLength}");
        }
    }

    /// <summary>
    /// INVALID_ARGUMENT for <paramref name="images"/> refused here, before the engine was handed them; the engine counts
    /// them as invalid for the models the request names (or the defaults). A model list that is itself invalid counts
    /// for no model, as on every path.
    /// </summary>
    private RpcException Refuse(ScoreOptions? scoreOptions, string reason, int images = 1)
    {
        if (ModelNamesProblem(scoreOptions) is null)
        {
            engine.CountInvalid(scoreOptions is null ? [] : scoreOptions.Models, images);
        }

        return GrpcErrors.InvalidArgument(reason);
    }

    private void RefuseIfNotAccepting(IReadOnlyList<LoadedModel> models, int images)
    {
        try
        {
            engine.EnsureAccepting(models, images);
        }
        catch (Exception ex) when (ex is ServiceStoppingException or EngineNotReadyException)
        {
            throw GrpcErrors.ToRpcException(ex);
        }
    }

    private RpcException Fail(string id, Exception ex)
    {
        LogIfUnexpected(id, ex);
        return GrpcErrors.ToRpcException(ex);
    }

    private void LogIfUnexpected(string id, Exception ex)
    {
        if (GrpcErrors.IsUnexpected(ex))
        {
            ServerLog.ScoringFailed(logger, ex, id);
        }
    }
}
