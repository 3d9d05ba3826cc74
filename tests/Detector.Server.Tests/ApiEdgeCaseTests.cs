extern alias server;

using Detector.Api.V1;
using Detector.Engine.Scoring;
using Detector.Server.Api;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using ServerApi = server::Detector.Api.V1;

namespace Detector.Server.Tests;

/// <summary>What an integrator's odd requests get: bounded echoes, malformed stream messages, invalid option mixes, cancelled streams.</summary>
public sealed class ApiEdgeCaseTests() : HostTestBase(new DetectorHostFactory())
{
    private static ImageInput Red(string id) => new() { Id = id, Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 255, 0, 0)) };

    [Fact]
    public async Task Score_ModelNameOverTheLimit_InvalidArgumentWithoutEchoingIt()
    {
        string name = new('z', 100_000);

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreAsync(new ScoreRequest { Image = Red("a"), Options = new ScoreOptions { Models = { name } } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal($"a model name is 100000 characters long, over the limit of {ApiOptions.MaxModelNameLength}", ex.Status.Detail);
    }

    [Fact]
    public async Task ScoreBatch_MoreModelNamesThanTheLimit_FailsTheCall()
    {
        ScoreOptions options = new();
        options.Models.AddRange(Enumerable.Range(0, 17).Select(i => $"m{i}"));

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Red("a") }, Options = options }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("17 model names in one request, over the limit of 16", ex.Status.Detail);
    }

    [Fact]
    public async Task Score_IdOverTheLimit_InvalidArgumentWithItsLength()
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreAsync(new ScoreRequest { Image = Red(new string('i', 257)) }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("id is 257 characters long, over the limit of 256", ex.Status.Detail);
    }

    [Fact]
    public async Task ScoreBatch_IdOverTheLimit_ThatItemsStatusOthersScored()
    {
        ScoreBatchResponse response = await Client.ScoreBatchAsync(new ScoreBatchRequest { Images = { Red("good"), Red(new string('i', 300)) } });

        Assert.Equal(0, response.Results[0].Status?.Code ?? 0);
        Assert.Equal((int)StatusCode.InvalidArgument, response.Results[1].Status.Code);
        Assert.Equal("id is 300 characters long, over the limit of 256", response.Results[1].Status.Message);
    }

    [Fact]
    public async Task ScoreBatch_MoreImagesThanTheLimit_FailsTheCallPointingToScoreStream()
    {
        ScoreBatchRequest request = new();
        request.Images.AddRange(Enumerable.Range(0, 257).Select(i => new ImageInput { Id = $"i{i}", Data = ByteString.CopyFrom([1, 2, 3]) }));

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Client.ScoreBatchAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("257 images in one ScoreBatch call, over the limit of 256; use ScoreStream for bulk jobs", ex.Status.Detail);
    }

    [Fact]
    public async Task ScoreStream_ModelNameOverTheLimit_ThatItemsStatusOthersScored()
    {
        using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = Client.ScoreStream();
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Red("long-name"), Options = new ScoreOptions { Models = { new string('z', 129) } } });
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Red("good") });
        await call.RequestStream.CompleteAsync();

        Dictionary<string, ImageResult> results = [];
        await foreach (ScoreStreamResponse response in call.ResponseStream.ReadAllAsync())
        {
            results[response.Result.Id] = response.Result;
        }

        Assert.Equal((int)StatusCode.InvalidArgument, results["long-name"].Status.Code);
        Assert.Contains("129 characters", results["long-name"].Status.Message, StringComparison.Ordinal);
        Assert.Equal(0, results["good"].Status?.Code ?? 0);
    }

    [Fact]
    public async Task Score_SkipEvidenceWithAnUnknownEvidenceLevel_InvalidArgument()
    {
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ScoreAsync(new ScoreRequest { Image = Red("a"), Options = new ScoreOptions { SkipEvidence = true, Evidence = (EvidenceLevel)99 } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("evidence level 99", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\nerror: forged entry")]
    [InlineData("a\r\nb")]
    [InlineData("a\u2028b\u2029c\u0085d")]
    [InlineData("tab\tand\u001b[31mescape")]
    public void LoggedId_ControlCharactersAndLineSeparators_AreEscapedAndTheIdSurvives(string id)
    {
        string logged = ServerLog.Quoted(id);

        Assert.DoesNotContain(logged, c => char.IsControl(c) || c is '\u2028' or '\u2029');
        Assert.Equal(id, System.Text.Json.JsonSerializer.Deserialize<string>(logged));
    }

    [Fact]
    public void ToStatus_LongEchoedDetail_IsBoundedForTheHeader()
    {
        Status status = GrpcErrors.ToStatus(new UnknownModelException(new string('z', 5000), ["tiny"]), out _);

        Assert.Equal(StatusCode.NotFound, status.StatusCode);
        Assert.Equal(GrpcErrors.MaxDetailLength, status.Detail.Length);
        Assert.EndsWith("…", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreStream_MessageThatIsNotValidProtobuf_AnswersTheImagesBeforeItThenEndsInvalidArgument()
    {
        // A raw-bytes view of the same method, to send what a typed client cannot: an id that is not UTF-8.
        Method<byte[], ScoreStreamResponse> raw = new(
            MethodType.DuplexStreaming,
            "detector.v1.DetectorService",
            "ScoreStream",
            Marshallers.Create(static b => b, static b => b),
            Marshallers.Create(static r => r.ToByteArray(), ScoreStreamResponse.Parser.ParseFrom));
        using AsyncDuplexStreamingCall<byte[], ScoreStreamResponse> call = Channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, default);
        for (int i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Red($"good-{i}") }.ToByteArray());
        }

        // image (field 1) { id (field 1) = FF FE 41 }
        byte[] notUtf8 = [0x0A, 0x05, 0x0A, 0x03, 0xFF, 0xFE, 0x41];
        try
        {
            await call.RequestStream.WriteAsync(notUtf8);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call first; its status comes below.
        }

        List<string> answered = [];
        RpcException ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (ScoreStreamResponse response in call.ResponseStream.ReadAllAsync())
            {
                answered.Add(response.Result.Id);
            }
        });

        Assert.Equal(["good-0", "good-1", "good-2"], answered.Order());
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("the message is not a valid detector.v1.ScoreStreamRequest (", ex.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("(message 4 of this stream; the 3 images before it were answered)", ex.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// grpc-dotnet parses a unary call's message before the service runs; without DetectorServiceBinding's marshallers
    /// the parser's exception reached the client as UNKNOWN "Exception was thrown by handler.".
    /// </summary>
    [Theory]
    [InlineData("Score", "detector.v1.ScoreRequest", new byte[] { 0x0A, 0x05, 0x0A, 0x03, 0xFF, 0xFE, 0x41 })] // image { id = FF FE 41 }: not UTF-8
    [InlineData("ScoreBatch", "detector.v1.ScoreBatchRequest", new byte[] { 0x0A, 0x05, 0x0A, 0x03, 0xFF, 0xFE, 0x41 })] // images[0] { id = FF FE 41 }
    [InlineData("Score", "detector.v1.ScoreRequest", new byte[] { 0x0A, 0x7F, 0x0A })] // image declares 127 bytes, 1 follows: truncated
    [InlineData("ListModels", "detector.v1.ListModelsRequest", new byte[] { 0x0F })] // field 1 with wire type 7, which does not exist
    public async Task UnaryMessageThatIsNotValidProtobuf_InvalidArgumentWithTheParsersReason(string method, string messageType, byte[] message)
    {
        Method<byte[], byte[]> raw = new(MethodType.Unary, "detector.v1.DetectorService", method, Marshallers.Create(static b => b, static b => b), Marshallers.Create(static b => b, static b => b));

        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, default, message).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith($"the message is not a valid {messageType} (", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryMessageThatIsValid_StillScoredThroughTheCustomBinding()
    {
        Method<byte[], byte[]> raw = new(MethodType.Unary, "detector.v1.DetectorService", "Score", Marshallers.Create(static b => b, static b => b), Marshallers.Create(static b => b, static b => b));

        byte[] reply = await Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, default, new ScoreRequest { Image = Red("raw") }.ToByteArray()).ResponseAsync;

        Assert.Equal("raw", ScoreResponse.Parser.ParseFrom(reply).Result.Id);
    }

    [Fact]
    public void Binding_CoversEveryMethodOfTheProtoWithItsShape()
    {
        // A method added to the proto but not to DetectorServiceBinding would answer UNIMPLEMENTED.
        Assert.Equal(
            ServerApi.DetectorService.Descriptor.Methods.Select(m => (m.Service.FullName, m.Name, m.IsClientStreaming, m.IsServerStreaming)),
            DetectorServiceBinding.Methods.Select(m => (m.ServiceName, m.Name, m.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming, m.Type is MethodType.ServerStreaming or MethodType.DuplexStreaming)));
    }

    /// <summary>
    /// The call ends (client cancel or deadline) while images are still being scored: their results cannot be written
    /// any more, and that must end the handler as a cancellation, not as an error about writing to a finished call.
    /// </summary>
    [Fact]
    public async Task ScoreStream_CallEndsWhileImagesAreScored_HandlerEndsCancelledNotWithAWriteError()
    {
        await using DirectService direct = new();
        using CancellationTokenSource call = new();
        EndingStream stream = new(call);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => direct.Service.ScoreStream(stream, stream, new FakeServerCallContext(call.Token)));

        Assert.True(stream.WritesAfterTheEnd > 0, "no result was written after the call ended, so the test proved nothing");
    }

    /// <summary>
    /// Five images, then the call ends: the next read waits until a result was refused by the finished call, then throws
    /// as grpc-dotnet does. Every write waits for the end (a sync point: the first result is surely written after it)
    /// and then throws grpc-dotnet's "request is complete" error.
    /// </summary>
    private sealed class EndingStream(CancellationTokenSource call) : IAsyncStreamReader<ServerApi.ScoreStreamRequest>, IServerStreamWriter<ServerApi.ScoreStreamResponse>
    {
        private readonly byte[] _png = TestImages.SolidPng(64, 64, 255, 0, 0);
        private readonly TaskCompletionSource _refusedAfterTheEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _read;
        private int _writesAfterTheEnd;

        public int WritesAfterTheEnd => Volatile.Read(ref _writesAfterTheEnd);

        public ServerApi.ScoreStreamRequest Current { get; private set; } = new();

        public WriteOptions? WriteOptions { get; set; }

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_read < 5)
            {
                _read++;
                Current = new ServerApi.ScoreStreamRequest { Image = new ServerApi.ImageInput { Id = $"i{_read}", Data = ByteString.CopyFrom(_png) } };
                return true;
            }

            await call.CancelAsync();
            _ended.SetResult();
            await _refusedAfterTheEnd.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            throw new OperationCanceledException(call.Token);
        }

        public async Task WriteAsync(ServerApi.ScoreStreamResponse message)
        {
            await _ended.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Interlocked.Increment(ref _writesAfterTheEnd);
            _refusedAfterTheEnd.TrySetResult();
            throw new InvalidOperationException("Can't write the message because the request is complete.");
        }
    }
}
