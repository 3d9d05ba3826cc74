using System.Globalization;
using Detector.Engine.Batching;
using Detector.Engine.Scoring;
using Detector.Imaging.Decoding;
using Grpc.Core;

namespace Detector.Server.Api;

/// <summary>
/// Maps engine failures to gRPC statuses. Expected failures carry their reason to the client; anything unexpected
/// reaches the client only as a generic INTERNAL status (details go to the log).
/// </summary>
internal static class GrpcErrors
{
    /// <summary>Trailer with the suggested back-off, in milliseconds, on RESOURCE_EXHAUSTED (gRPC's retry pushback).</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>
    /// Longest status detail sent. Details can echo what a client sent, and the status travels in an HTTP/2 header:
    /// a client refuses headers past its limit (64 KiB for .NET) and fails every call on the connection.
    /// </summary>
    public const int MaxDetailLength = 1024;

    public static Status ToStatus(Exception exception, out Metadata? trailers)
    {
        Status status = ToUnboundedStatus(exception, out trailers);
        return status.Detail.Length <= MaxDetailLength ? status : new Status(status.StatusCode, Bounded(status.Detail));
    }

    private static Status ToUnboundedStatus(Exception exception, out Metadata? trailers)
    {
        trailers = null;
        switch (exception)
        {
            case ImageRejectedException rejected:
                return new Status(StatusCode.InvalidArgument, rejected.Message);
            case UnknownModelException unknown:
                return new Status(StatusCode.NotFound, unknown.Message);
            case QueueFullException full:
                trailers = new Metadata
                {
                    { RetryPushbackTrailer, ((long)full.RetryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) },
                };
                return new Status(StatusCode.ResourceExhausted, full.Message);
            case DeadlineExceededException deadline:
                return new Status(StatusCode.DeadlineExceeded, deadline.Message);
            case OperationCanceledException:
                return new Status(StatusCode.Cancelled, "the call was cancelled");
            case ServiceStoppingException or EngineNotReadyException:
                return new Status(StatusCode.Unavailable, exception.Message);
            case RpcException rpc:
                return rpc.Status;
            default:
                return new Status(StatusCode.Internal, "internal error while scoring the image; the service logged the details");
        }
    }

    public static RpcException ToRpcException(Exception exception)
    {
        Status status = ToStatus(exception, out Metadata? trailers);
        return trailers is null ? new RpcException(status) : new RpcException(status, trailers);
    }

    public static bool IsUnexpected(Exception exception) => ToStatus(exception, out _).StatusCode == StatusCode.Internal && exception is not RpcException;

    public static RpcException InvalidArgument(string reason) => new(new Status(StatusCode.InvalidArgument, Bounded(reason)));

    private static string Bounded(string detail) => detail.Length <= MaxDetailLength ? detail : string.Concat(detail.AsSpan(0, MaxDetailLength - 1), "…");
}
