using System.Net;
using System.Net.Sockets;
using Fabrix.Contracts.Errors;
using Fabrix.Core.Proxy.Egress;
using Fabrix.Core.Proxy.Quotas;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Proxy.Forwarding;

/// <summary>
/// Plain-HTTP forward proxying (issue 12 sections 1 and 2): a request in absolute form (<c>GET http://host/path</c>)
/// is decided by <see cref="EgressGate"/>, sent to the checked address only (the handler's connect callback takes it
/// from the request, never resolving the name again), with an allowlist of request headers and no hop-by-hop or proxy
/// headers; the response loses <c>Set-Cookie</c> and hop-by-hop headers and is cut off (connection aborted, audited)
/// past <see cref="ProxyOptions.MaxResponseBytes"/>. A request in origin form is not a proxy request: 400.
/// </summary>
internal sealed class AbsoluteFormForwarder(
    EgressGate gate, ProxyAudit audit, ProxyMetrics metrics, IOptions<ProxyOptions> options, TimeProvider time, ILogger<AbsoluteFormForwarder> logger)
    : IDisposable
{
    /// <summary>Request headers passed to the upstream; everything else (cookies of other sites, proxy and hop-by-hop headers, the token) stays behind.</summary>
    private static readonly HashSet<string> ForwardedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Content-Encoding", "Content-Language",
        "Content-Type", "Content-MD5", "Date", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since",
        "Idempotency-Key", "Pragma", "Range", "traceparent", "tracestate", "User-Agent",
    };

    /// <summary>Response headers never passed back: hop-by-hop (RFC 9110 7.6.1), proxy, and cookies (seed 004 "responses are filtered").</summary>
    private static readonly HashSet<string> DroppedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Set-Cookie", "Set-Cookie2",
        // Only the proxy's own refusals carry it: an upstream must not make its answer look like one to the SDK.
        "Fabrix-Egress-Reason",
    };

    private static readonly HttpRequestOptionsKey<IPAddress> DialKey = new("fabrix-proxy-dial");

    private readonly ProxyOptions _options = options.Value;
    private readonly HttpMessageInvoker _upstream = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = options.Value.ConnectTimeout,
        ActivityHeadersPropagator = null,
        ConnectCallback = DialCheckedAddressAsync,
    });

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        if (!rawTarget.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, ProxyReasons.NotAProxyRequest,
                "Send absolute-form requests (GET http://host/path) or CONNECT host:port through this proxy.");
            return;
        }

        var verdict = await gate.DecideAsync(context.Request.Headers.ProxyAuthorization, rawTarget, 80, context.RequestAborted);
        if (!verdict.Allowed)
        {
            var refusedAfter = time.GetElapsedTime(started);
            audit.Write(verdict, "forward", rawTarget, context.Request.Method, verdict.Status, null, refusedAfter);
            metrics.Request(verdict, ProxyMetrics.KindHttp, refusedAfter);
            await RefuseAsync(context, verdict.Status, verdict.Reason, $"Egress refused: {verdict.Reason}.", verdict.RetryAfterSeconds);
            return;
        }

        var decision = verdict.Decision!;
        using var request = BuildRequest(context, rawTarget, decision.Host!, decision.Port);
        request.Options.Set(DialKey, decision.DialAddress!);
        long bytes = 0;
        var status = StatusCodes.Status502BadGateway;
        var outcome = ProxyMetrics.OutcomeAllowed;
        var reason = verdict.Reason;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(_options.ResponseTimeout);
            using var response = await _upstream.SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            context.Response.StatusCode = status;
            CopyResponseHeaders(response, context.Response);
            bytes = await CopyBodyAsync(response, context, _options.MaxResponseBytes, verdict.Budget);
            if (bytes < 0)
            {
                bytes = -bytes;
                ProxyLog.ResponseTooLarge(logger, verdict.PluginId!, decision.Host!, _options.MaxResponseBytes);
                var cutAfter = time.GetElapsedTime(started);
                var cut = verdict with { Allowed = false, Reason = ProxyReasons.ResponseTooLarge };
                audit.Write(cut, "forward", rawTarget, context.Request.Method, status, bytes, cutAfter);
                metrics.Request(cut, ProxyMetrics.KindHttp, cutAfter);
                metrics.Bytes(verdict.PluginId, ProxyMetrics.KindHttp, 0, bytes);
                context.Abort();
                return;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            ProxyLog.UpstreamFailed(logger, verdict.PluginId!, decision.Host!, exception.GetType().Name);
            (outcome, reason) = (ProxyMetrics.OutcomeFailed, ProxyReasons.UpstreamFailed);
            if (!context.Response.HasStarted)
            {
                status = exception is OperationCanceledException ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
                await RefuseAsync(context, status, ProxyReasons.UpstreamFailed, "The upstream did not answer properly.");
            }
            else
            {
                context.Abort();
            }
        }

        var elapsed = time.GetElapsedTime(started);
        audit.Write(verdict, "forward", rawTarget, context.Request.Method, status, bytes, elapsed);
        metrics.Request(verdict.PluginId, ProxyMetrics.KindHttp, outcome, reason, elapsed);
        metrics.Bytes(verdict.PluginId, ProxyMetrics.KindHttp, 0, bytes);
    }

    public void Dispose() => _upstream.Dispose();

    private static HttpRequestMessage BuildRequest(HttpContext context, string rawTarget, string host, int port)
    {
        // The path and query exactly as the plugin wrote them after the authority; the authority is the checked host.
        var afterScheme = rawTarget.AsSpan(7);
        var pathStart = afterScheme.IndexOfAny('/', '?');
        var pathAndQuery = pathStart < 0 ? "/" : afterScheme[pathStart..].ToString();
        if (pathAndQuery.StartsWith('?'))
        {
            pathAndQuery = "/" + pathAndQuery;
        }

        var authority = port == 80 ? host : $"{host}:{port}";
        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri($"http://{authority}{pathAndQuery}", UriKind.Absolute))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (!ForwardedRequestHeaders.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return request;
    }

    private static void CopyResponseHeaders(HttpResponseMessage upstream, HttpResponse response)
    {
        foreach (var (name, values) in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (!DroppedResponseHeaders.Contains(name))
            {
                response.Headers.Append(name, values.ToArray());
            }
        }
    }

    /// <summary>
    /// Streams the body, charging the plugin's bandwidth budget (when it has one) and waiting before each write while the
    /// budget is in debt; returns the bytes copied, negated when the cap was reached (the rest is not sent).
    /// </summary>
    private static async Task<long> CopyBodyAsync(HttpResponseMessage upstream, HttpContext context, long cap, ByteBudget? budget)
    {
        await using var body = await upstream.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        long copied = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                if (budget is not null)
                {
                    await budget.WaitAsync(context.RequestAborted);
                    budget.Charge(read);
                }

                if (copied + read > cap)
                {
                    var allowed = (int)(cap - copied);
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, allowed), context.RequestAborted);
                    return -(copied + allowed);
                }

                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                copied += read;
            }

            return copied;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<Stream> DialCheckedAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (!context.InitialRequestMessage.Options.TryGetValue(DialKey, out var address))
        {
            throw new InvalidOperationException("A proxied request must carry the address its egress decision checked.");
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static async Task RefuseAsync(HttpContext context, int status, string reason, string detail, int? retryAfterSeconds = null)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["Fabrix-Egress-Reason"] = reason;
        if (retryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (status == StatusCodes.Status407ProxyAuthenticationRequired)
        {
            context.Response.Headers.ProxyAuthenticate = "Bearer, Basic realm=\"fabrix\"";
        }

        await Results.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = reason }).ExecuteAsync(context);
    }
}
