using Fabrix.Contracts.Identity;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Fabrix.Plugins.Sdk.OperatorClients;

/// <summary>
/// Adds <c>fabrix-target</c> (<see cref="OperatorCall.TargetHeader"/>) and <c>authorization: Bearer</c> with the plugin's
/// current token to every call (unary and streaming) of a gRPC client pointed at the gateway. Without a token the call
/// fails at once with <c>UNAVAILABLE</c>, saying why the plugin is not registered.
/// </summary>
internal sealed class OperatorCallInterceptor(string targetPluginId, IFabrixPlugin plugin) : Interceptor
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithHeaders(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithHeaders(context));

    private ClientInterceptorContext<TRequest, TResponse> WithHeaders<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        string token;
        try
        {
            token = PluginTokenHandler.CurrentToken(plugin);
        }
        catch (FabrixNotRegisteredException exception)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, exception.Message));
        }

        var headers = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            if (!string.Equals(entry.Key, "authorization", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(entry.Key, OperatorCall.TargetHeader, StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(entry);
            }
        }

        headers.Add(OperatorCall.TargetHeader, targetPluginId);
        headers.Add("authorization", $"Bearer {token}");
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
