using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Fabrix.Core.Registry.Errors;

/// <summary>
/// The one place where refusals become gRPC statuses (STYLE.md "gRPC errors ... mapped in one place"). Invalid input
/// carries a google.rpc.BadRequest whose field violations are JSON paths; every refusal carries a google.rpc.ErrorInfo
/// whose reason is the stable refusal code. An <see cref="Outage"/> (the database or NATS unreachable) becomes UNAVAILABLE
/// with a message naming the dependency, never UNKNOWN.
/// </summary>
internal sealed partial class GrpcRefusalInterceptor(ILogger<GrpcRefusalInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RegistryRefusalException refusal)
        {
            throw ToRpcException(refusal.Refusal);
        }
        catch (Exception exception) when (Outage.From(exception) is { } outage)
        {
            LogOutage(logger, exception, context.Method, outage.Dependency);
            throw ToRpcException(outage);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RegistryRefusalException refusal)
        {
            throw ToRpcException(refusal.Refusal);
        }
        catch (Exception exception) when (Outage.From(exception) is { } outage)
        {
            LogOutage(logger, exception, context.Method, outage.Dependency);
            throw ToRpcException(outage);
        }
        catch (Exception exception) when (Outage.From(exception) is { } outage)
        {
            LogOutage(logger, exception, context.Method, outage.Dependency);
            throw ToRpcException(outage);
        }
    }

    public static RpcException ToRpcException(Refusal refusal)
    {
        var status = new Google.Rpc.Status { Code = (int)CodeOf(refusal.Kind), Message = refusal.Reason };
        if (refusal.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(refusal.Violations.Select(v =>
                new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
            status.Details.Add(Any.Pack(badRequest));
        }

        status.Details.Add(Any.Pack(new ErrorInfo { Reason = refusal.Code, Domain = RefusalCodes.ErrorDomain }));
        return status.ToRpcException();
    }

    public static RpcException ToRpcException(Outage outage)
    {
        var status = new Google.Rpc.Status { Code = (int)Google.Rpc.Code.Unavailable, Message = outage.Message };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = outage.Code, Domain = RefusalCodes.ErrorDomain }));
        return status.ToRpcException();
    }

    [LoggerMessage(EventId = 1900, Level = LogLevel.Warning, Message = "{Method} failed: the {Dependency} is unreachable; answered UNAVAILABLE")]
    private static partial void LogOutage(ILogger logger, Exception exception, string method, Dependency dependency);

    private static Google.Rpc.Code CodeOf(RefusalKind kind) => kind switch
    {
        RefusalKind.InvalidArgument => Google.Rpc.Code.InvalidArgument,
        RefusalKind.Unauthenticated => Google.Rpc.Code.Unauthenticated,
        RefusalKind.PermissionDenied => Google.Rpc.Code.PermissionDenied,
        RefusalKind.NotFound => Google.Rpc.Code.NotFound,
        RefusalKind.FailedPrecondition => Google.Rpc.Code.FailedPrecondition,
        RefusalKind.AlreadyExists => Google.Rpc.Code.AlreadyExists,
        RefusalKind.UnsupportedMediaType => Google.Rpc.Code.InvalidArgument,
        RefusalKind.TooLarge => Google.Rpc.Code.ResourceExhausted,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown refusal kind."),
    };
}
