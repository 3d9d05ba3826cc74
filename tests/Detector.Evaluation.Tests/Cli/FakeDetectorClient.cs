using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Detector.Api.V1;
using Grpc.Core;

namespace Detector.Evaluation.Tests.Cli;

/// <summary>
/// An in-process stand-in for the server. The image bytes are text: a number is the score of model "m1",
/// "bad" is rejected with INVALID_ARGUMENT, and "poison" breaks a whole stream with RESOURCE_EXHAUSTED (as an oversized
/// message would) and fails a unary call the same way.
/// </summary>
internal sealed class FakeDetectorClient : DetectorService.DetectorServiceClient
{
    /// <summary>The file hash ListModels reports for m1.</summary>
    public const string M1Sha256 = "ed04b8820289540949d9d42c10284f73841cbe97a6c23f5940fd048fb79354f3";

    private int _streamsOpened;
    private int _scoreCalls;

    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    /// <summary>Unary Score calls made.</summary>
    public int ScoreCalls => Volatile.Read(ref _scoreCalls);

    public override AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> ScoreStream(CallOptions options)
    {
        Interlocked.Increment(ref _streamsOpened);
        var responses = Channel.CreateUnbounded<ScoreStreamResponse>();
        var requests = new RequestWriter(request =>
        {
            if (Text(request.Image) == "poison")
            {
                responses.Writer.TryComplete(new RpcException(new Status(StatusCode.ResourceExhausted, "message too large")));
                return false;
            }

            responses.Writer.TryWrite(new ScoreStreamResponse { Result = Score(request.Image) });
            return true;
        },
        () => responses.Writer.TryComplete());
        return new AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse>(
            requests,
            new ResponseReader(responses.Reader),
            Task.FromResult(new Metadata()),
            static () => Status.DefaultSuccess,
            static () => [],
            static () => { });
    }

    public override AsyncUnaryCall<ScoreResponse> ScoreAsync(ScoreRequest request, CallOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _scoreCalls);
        string text = Text(request.Image);
        Task<ScoreResponse> response = text switch
        {
            "poison" => Task.FromException<ScoreResponse>(new RpcException(new Status(StatusCode.ResourceExhausted, "message too large"))),
            "bad" => Task.FromException<ScoreResponse>(new RpcException(new Status(StatusCode.InvalidArgument, "not an image"))),
            "internal" => Task.FromException<ScoreResponse>(new RpcException(new Status(StatusCode.Internal, "Internal error"))),
            // What Grpc.Net.Client raises when the address answers HTTP/1.1 only (the metrics port, say).
            "not-grpc" => Task.FromException<ScoreResponse>(new RpcException(new Status(StatusCode.Internal, "Error starting gRPC call. HttpRequestException: The HTTP/2 server closed the connection. HTTP/2 error code 'HTTP_1_1_REQUIRED' (0xd).", new HttpRequestException("The HTTP/2 server closed the connection. HTTP/2 error code 'HTTP_1_1_REQUIRED' (0xd)")))),
            _ => Task.FromResult(new ScoreResponse { Result = Score(request.Image) }),
        };
        return new AsyncUnaryCall<ScoreResponse>(response, Task.FromResult(new Metadata()), static () => Status.DefaultSuccess, static () => [], static () => { });
    }

    public override AsyncUnaryCall<ListModelsResponse> ListModelsAsync(ListModelsRequest request, CallOptions options)
    {
        var response = new ListModelsResponse();
        var input = new InputSpec { Name = "input", Layout = "NCHW", ColorOrder = "RGB", Width = 256, Height = 256, ResizeMode = "stretch", ResizeFilter = "pil-bilinear", Scale = "divide 255" };
        input.Mean.AddRange([0.485f, 0.456f, 0.406f]);
        input.Std.AddRange([0.229f, 0.224f, 0.225f]);
        response.Models.Add(new ModelInfo
        {
            Name = "m1",
            Version = "1",
            Task = "synthetic",
            Threshold = 0.5f,
            IsDefault = true,
            ExecutionProvider = "CPUExecutionProvider",
            MaxBatchSize = 16,
            Input = input,
            Sha256 = M1Sha256,
            OutputMeaning = "P(fake) = sigmoid(logit)",
            Description = "A test model whose description is long enough that an 80-column console would have to wrap it over several lines.",
        });
        return new AsyncUnaryCall<ListModelsResponse>(Task.FromResult(response), Task.FromResult(new Metadata()), static () => Status.DefaultSuccess, static () => [], static () => { });
    }

    private static string Text(ImageInput image) => Encoding.ASCII.GetString(image.Data.Span).Trim();

    private static ImageResult Score(ImageInput image)
    {
        string text = Text(image);
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float score))
        {
            return new ImageResult { Id = image.Id, Status = new ItemStatus { Code = (int)StatusCode.InvalidArgument, Message = "not an image" } };
        }

        var result = new ImageResult
        {
            Id = image.Id,
            Status = new ItemStatus(),
            Verdict = new Verdict { SyntheticLikelihood = score, Label = score >= 0.5f ? "likely AI-generated" : "no sign of AI generation" },
            Timings = new Timings { TotalSeconds = 0.01 },
        };
        result.Scores.Add(new ModelScore { Model = "m1", Version = "1", Task = "synthetic", Score = score, Threshold = 0.5f, Positive = score >= 0.5f });
        result.Scores.Add(new ModelScore { Model = "faces", Version = "1", Task = "auxiliary", Score = 1f, Threshold = 0.5f, Positive = true });
        return result;
    }

    private sealed class RequestWriter(Func<ScoreStreamRequest, bool> onWrite, Action onComplete) : IClientStreamWriter<ScoreStreamRequest>
    {
        private bool _broken;

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(ScoreStreamRequest message)
        {
            // After a stream breaks, writes fail as they do on a real call.
            if (_broken)
            {
                return Task.FromException(new RpcException(new Status(StatusCode.Cancelled, "stream is broken")));
            }

            _broken = !onWrite(message);
            return Task.CompletedTask;
        }

        public Task CompleteAsync()
        {
            onComplete();
            return Task.CompletedTask;
        }
    }

    private sealed class ResponseReader(ChannelReader<ScoreStreamResponse> reader) : IAsyncStreamReader<ScoreStreamResponse>
    {
        public ScoreStreamResponse Current { get; private set; } = null!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                if (reader.TryRead(out ScoreStreamResponse? item))
                {
                    Current = item;
                    return true;
                }
            }

            return false;
        }
    }
}
