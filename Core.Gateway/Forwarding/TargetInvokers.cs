using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// One shared <see cref="HttpMessageInvoker"/> per target address (issue 10 section 1), created on first use and kept:
/// connections are pooled per target, and a request allocates no client. The handler is a plain forwarding one: no
/// proxy, no redirects, no decompression, no cookies; the activity's trace context is propagated by YARP's propagator
/// (which replaces the caller's <c>traceparent</c> with the gateway's child of it).
/// </summary>
internal sealed class TargetInvokers(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _invokers = new(StringComparer.Ordinal);
    private readonly GatewayOptions _options = options.Value;

    /// <summary>The invoker for <paramref name="address"/> (a registered base address such as <c>http://127.0.0.1:5200</c>).</summary>
    public HttpMessageInvoker For(string address) => _invokers.GetOrAdd(address, static (_, options) => Create(options), _options);

    /// <summary>Addresses with an invoker (for tests and metrics).</summary>
    public int Count => _invokers.Count;

    /// <summary>The handler settings both the gateway and the bare-forwarder benchmark use.</summary>
    public static SocketsHttpHandler NewHandler(TimeSpan connectTimeout, TimeSpan idleTimeout) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = connectTimeout,
        PooledConnectionIdleTimeout = idleTimeout,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    };

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }

        _invokers.Clear();
    }

    private static HttpMessageInvoker Create(GatewayOptions options) =>
        new(NewHandler(options.ConnectTimeout, options.PooledConnectionIdleTimeout), disposeHandler: true);
}
