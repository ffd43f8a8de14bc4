using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Fabrix.Plugins.Sdk.Events;

/// <summary>
/// Puts <c>authorization: Bearer</c> with the plugin's current token on every call to Core.Events (read per call, so a
/// renewed token is used at once). Without a token nothing is sent: <see cref="FabrixNotRegisteredException"/>.
/// </summary>
internal sealed class EventsCallInterceptor(IFabrixPlugin plugin) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithToken(context));

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var token = plugin.Token?.Value
            ?? throw new FabrixNotRegisteredException(plugin.PluginId, plugin.Registration.Reason, "to publish or receive events through Core.Events");
        var headers = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            if (!string.Equals(entry.Key, "authorization", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(entry);
            }
        }

        headers.Add("authorization", $"Bearer {token}");
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
