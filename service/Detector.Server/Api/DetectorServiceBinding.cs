using Detector.Api.V1;
using Google.Protobuf;
using Grpc.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Detector.Server.Api;

/// <summary>
/// Binds <see cref="DetectorGrpcService"/> to the routes of <c>detector.v1.DetectorService</c>, in place of the generated
/// binding, for one reason: a request that is not valid protobuf. grpc-dotnet parses a unary call's message before the
/// service runs, and an exception from the generated parser reaches the client as <c>UNKNOWN</c> "Exception was thrown
/// by handler." with an error in the log. These marshallers turn it into <c>INVALID_ARGUMENT</c> with the parser's
/// reason, for every method (a stream gets the same status for the message it cannot read).
/// </summary>
/// <remarks>
/// grpc-dotnet finds this class through the <see cref="BindServiceMethodAttribute"/> on the service, which overrides
/// the generated base's; server reflection reads <see cref="Descriptor"/> from the same class. Routes, names and wire
/// format are the generated ones: clients see no difference except the status.
/// </remarks>
internal static class DetectorServiceBinding
{
    /// <summary>The proto's service, for server reflection (which looks for this property on the bind type).</summary>
    public static ServiceDescriptor Descriptor => DetectorService.Descriptor;

    private static readonly Method<ScoreRequest, ScoreResponse> Score = Bind<ScoreRequest, ScoreResponse>(MethodType.Unary, nameof(DetectorGrpcService.Score));

    private static readonly Method<ScoreBatchRequest, ScoreBatchResponse> ScoreBatch = Bind<ScoreBatchRequest, ScoreBatchResponse>(MethodType.Unary, nameof(DetectorGrpcService.ScoreBatch));

    private static readonly Method<ScoreStreamRequest, ScoreStreamResponse> ScoreStream = Bind<ScoreStreamRequest, ScoreStreamResponse>(MethodType.DuplexStreaming, nameof(DetectorGrpcService.ScoreStream));

    private static readonly Method<ListModelsRequest, ListModelsResponse> ListModels = Bind<ListModelsRequest, ListModelsResponse>(MethodType.Unary, nameof(DetectorGrpcService.ListModels));

    /// <summary>The methods bound here, for the test that checks them against the proto.</summary>
    internal static IReadOnlyList<IMethod> Methods { get; } = [Score, ScoreBatch, ScoreStream, ListModels];

    /// <summary>
    /// Called by grpc-dotnet with a null service: it resolves each handler on the service type by method name, as an
    /// override of the generated base named here (hence the parameter's type).
    /// </summary>
    public static void BindService(ServiceBinderBase binder, DetectorService.DetectorServiceBase? service)
    {
        binder.AddMethod(Score, service is null ? null : service.Score);
        binder.AddMethod(ScoreBatch, service is null ? null : service.ScoreBatch);
        binder.AddMethod(ScoreStream, service is null ? null : service.ScoreStream);
        binder.AddMethod(ListModels, service is null ? null : service.ListModels);
    }

    private static Method<TRequest, TResponse> Bind<TRequest, TResponse>(MethodType type, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(type, DetectorService.Descriptor.FullName, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>()
        where T : class, IMessage<T>, new()
    {
        MessageParser<T> parser = new(static () => new T());
        string typeName = new T().Descriptor.FullName;
        return Marshallers.Create<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context =>
            {
                try
                {
                    return parser.ParseFrom(context.PayloadAsReadOnlySequence());
                }
                catch (InvalidProtocolBufferException ex)
                {
                    // A string field that is not UTF-8, a truncated field, a wrong wire type: the client's message, not a fault here.
                    throw GrpcErrors.InvalidArgument($"the message is not a valid {typeName} ({ex.Message})");
                }
            });
    }
}
