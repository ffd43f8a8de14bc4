using System.Diagnostics;
using System.Globalization;
using System.Net;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Gateway.CallerContext;
using Fabrix.Core.Gateway.Limits;
using Fabrix.Core.Gateway.Refusals;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// One plugin-to-plugin call, start to end (issue 10 sections 1–5): usable snapshot → caller token → operator policy
/// (default deny, on the raw request target) → audit capacity → caller context → forward to the target's registered
/// address with the path the policy matched, byte for byte, and the query unchanged → decision audit, metrics, span.
/// Refusals are values (<see cref="GatewayRefusal"/>) written once by <see cref="RefusalWriter"/>. Nothing on this path
/// touches the database or waits for the audit: the writer only enqueues.
/// </summary>
internal sealed partial class OperatorForwarder(
    PolicySnapshotClient snapshots,
    PluginTokenCheck tokens,
    OperatorDecisions decisions,
    CallerContextTokens callerContexts,
    TargetInvokers invokers,
    IHttpForwarder forwarder,
    DecisionAuditWriter audit,
    RefusalWriter refusals,
    GatewayTelemetry telemetry,
    CallerRateLimits rateLimits,
    TargetResilience resilience,
    IOptions<GatewayLimitsOptions> limits,
    ILogger<OperatorForwarder> logger)
{
    /// <summary>The audit's actor for a call whose caller is not known (no or an invalid token).</summary>
    public const string UnknownCaller = "unauthenticated";

    private const string ForwardAction = "forward";

    private readonly ForwarderRequestConfig _requestConfig = new() { ActivityTimeout = limits.Value.TargetTimeout };

    /// <summary>gRPC goes to the target's h2c endpoint: HTTP/2 with prior knowledge, nothing lower.</summary>
    private readonly ForwarderRequestConfig _grpcConfig = new()
    {
        ActivityTimeout = limits.Value.TargetTimeout,
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly long _maxRequestBody = limits.Value.MaxRequestBodyBytes;
    private readonly long _maxResponseBody = limits.Value.MaxResponseBodyBytes;

    public async Task ForwardAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var grpc = IsGrpc(request);

        if (!snapshots.Current.IsUsable)
        {
            await RefuseAsync(context, grpc, UnknownCaller, OperatorRoute.Unresolved(rawTarget), GatewayRefusal.NoPolicy, started);
            return;
        }

        var check = await tokens.CheckAuthorizationAsync(Authorization(request), context.RequestAborted);
        if (!check.IsAccepted)
        {
            await RefuseAsync(context, grpc, UnknownCaller, OperatorRoute.Unresolved(rawTarget), TokenRefusal(check.Refusal), started);
            return;
        }

        var caller = check.Caller;
        if (rateLimits.TryTake(caller.PluginId, snapshots.Current.Snapshot?.Find(caller.PluginId)?.LaneLimits?.Operator) is { } overRate)
        {
            await RefuseAsync(context, grpc, caller.PluginId, OperatorRoute.Unresolved(rawTarget), overRate, started);
            return;
        }

        var route = grpc
            ? decisions.DecideGrpc(caller, request.Headers[GatewayHeaders.Target] is { Count: 1 } named ? named[0] ?? string.Empty : string.Empty, rawTarget)
            : decisions.DecideHttp(caller, request.Method, rawTarget);
        if (route.Refusal is { } refused)
        {
            await RefuseAsync(context, grpc, caller.PluginId, route, refused, started);
            return;
        }

        var target = route.Target!;
        if (request.ContentLength > _maxRequestBody)
        {
            await RefuseAsync(context, grpc, caller.PluginId, route, RequestTooLarge(), started);
            return;
        }

        // A body without a length (chunked, streamed) is cut off by Kestrel once it passes the limit; it is never buffered.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = _maxRequestBody;
        }

        // Nothing happens on a lane that is not audited (issue 9 section 4): with the buffer full, refuse before forwarding.
        if (audit.Buffered >= audit.Capacity)
        {
            await RefuseAsync(context, grpc, caller.PluginId, route, GatewayRefusal.AuditUnavailable, started);
            return;
        }

        var correlationId = Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
        var authorization = callerContexts.AuthorizationFor(caller.PluginId, caller.Traits, target.Id, correlationId);
        var transformer = new ForwardingTransformer(route.Destination!, authorization, _maxResponseBody);
        var send = new Send(forwarder, route.Address!, invokers.For(route.Address!), grpc ? _grpcConfig : _requestConfig, transformer);

        ForwarderError? sent;
        TimeSpan retryAfter;
        using (GatewayTelemetry.StartForward(caller.PluginId, target.Id, request.Method, grpc ? ProtocolGrpc : ProtocolHttp))
        {
            (sent, retryAfter) = await resilience.SendAsync(target.Id, context, send, static (http, send) => send.Forwarder.SendAsync(http, send.Prefix, send.Invoker, send.Config, send.Transformer));
        }

        if (sent is not { } error)
        {
            // The circuit is open: the target was not called.
            await RefuseAsync(context, grpc, caller.PluginId, route, GatewayRefusal.CircuitOpen(target.Id, Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))), started);
            return;
        }

        string reason;
        if (transformer.ResponseTooLarge)
        {
            LogResponseTooLarge(logger, caller.PluginId, target.Id, _maxResponseBody);
            var tooLarge = GatewayRefusal.ResponseTooLarge(target.Id, _maxResponseBody);
            await WriteRefusalAsync(context, grpc, tooLarge);
            reason = tooLarge.Code;
        }
        else if (error != ForwarderError.None)
        {
            LogForwardFailed(logger, caller.PluginId, target.Id, error);
            // YARP chose the status (502, 504 on a timeout, ...); the body says which target. After the response started, the call is aborted.
            var status = context.Response.StatusCode >= 500 ? context.Response.StatusCode : StatusCodes.Status502BadGateway;
            var failure = FailureOf(error, target.Id, status);
            await WriteRefusalAsync(context, grpc, failure);
            reason = failure.Code;
        }
        else
        {
            reason = string.Empty;
        }

        Audit(context, grpc, caller.PluginId, route, allowed: true, reason, started, correlationId);
    }

    /// <summary>A gRPC call: HTTP/2 with a <c>content-type</c> of <c>application/grpc</c> (or <c>application/grpc+proto</c>, ...).</summary>
    internal static bool IsGrpc(HttpRequest request) =>
        HttpProtocol.IsHttp2(request.Protocol)
        && request.ContentType is { } type
        && type.StartsWith(RefusalWriter.GrpcContentType, StringComparison.OrdinalIgnoreCase)
        && (type.Length == RefusalWriter.GrpcContentType.Length || type[RefusalWriter.GrpcContentType.Length] is '+' or ';');

    public const string ProtocolHttp = "http";

    public const string ProtocolGrpc = "grpc";

    private async Task RefuseAsync(HttpContext context, bool grpc, string caller, OperatorRoute route, GatewayRefusal refusal, long started)
    {
        await WriteRefusalAsync(context, grpc, refusal);
        Audit(context, grpc, caller, route, allowed: false, refusal.Code, started);
    }

    private ValueTask WriteRefusalAsync(HttpContext context, bool grpc, GatewayRefusal refusal) =>
        grpc ? new ValueTask(RefusalWriter.WriteGrpcAsync(context, refusal)) : refusals.WriteAsync(context, refusal);

    private void Audit(HttpContext context, bool grpc, string caller, OperatorRoute route, bool allowed, string reason, long started, string? correlationId = null)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        correlationId ??= Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
        var bytes = (context.Request.ContentLength ?? 0) + (context.Response.ContentLength ?? 0);
        var result = audit.Write(new LaneDecision(caller, Lane.Operator, route.AuditTarget, ForwardAction, allowed, reason,
            correlationId, context.Request.Headers.TraceParent.ToString() is { Length: > 0 } traceparent ? traceparent : null, bytes, elapsed,
            AttributesOf(context, grpc, route)));
        if (result != DecisionAuditResult.Accepted)
        {
            LogNotAudited(logger, caller, result);
        }

        telemetry.Record(caller, route.TargetId, allowed && reason.Length == 0 ? "allowed" : reason, elapsed);
    }

    /// <summary>
    /// The decision's attributes (issue 10 section 5): <c>target_plugin</c>, <c>method</c>, <c>endpoint</c> (when one
    /// matched), <c>path</c> (normalised when allowed, never the query), <c>status</c> (the HTTP status, or for gRPC the
    /// <c>grpc-status</c> when one was sent) and <c>protocol</c> (<c>http</c> or <c>grpc</c>).
    /// </summary>
    internal static Dictionary<string, string> AttributesOf(HttpContext context, bool grpc, OperatorRoute route)
    {
        var attributes = new Dictionary<string, string>(6, StringComparer.Ordinal)
        {
            ["method"] = context.Request.Method,
            ["path"] = route.Path,
            ["protocol"] = grpc ? ProtocolGrpc : ProtocolHttp,
        };
        if (route.TargetId != "-")
        {
            attributes["target_plugin"] = route.TargetId;
        }

        if (route.Endpoint is { } endpoint)
        {
            attributes["endpoint"] = endpoint;
        }

        if (StatusOf(context, grpc) is { } status)
        {
            attributes["status"] = status;
        }

        return attributes;
    }

    private static string? StatusOf(HttpContext context, bool grpc)
    {
        if (!grpc)
        {
            return context.Response.StatusCode.ToString(CultureInfo.InvariantCulture);
        }

        if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers
            && trailers.TryGetValue(RefusalWriter.GrpcStatusHeader, out var fromTrailers) && fromTrailers.Count == 1)
        {
            return fromTrailers[0];
        }

        return context.Response.Headers.TryGetValue(RefusalWriter.GrpcStatusHeader, out var fromHeaders) && fromHeaders.Count == 1 ? fromHeaders[0] : null;
    }

    private GatewayRefusal RequestTooLarge() => new(StatusCodes.Status413PayloadTooLarge, RefusalCodes.RequestTooLarge,
        $"The request body is over the gateway's limit of {_maxRequestBody} bytes.");

    private static GatewayRefusal FailureOf(ForwarderError error, string target, int status) => error switch
    {
        ForwarderError.RequestTimedOut => new(StatusCodes.Status504GatewayTimeout, RefusalCodes.TargetTimeout, $"The plugin '{target}' did not answer in time."),
        ForwarderError.RequestBodyClient or ForwarderError.RequestCanceled => new(StatusCodes.Status413PayloadTooLarge, RefusalCodes.RequestTooLarge,
            "The request body could not be read in full (over the gateway's limit, or the caller stopped sending)."),
        _ => GatewayRefusal.TargetUnreachable(target) with { Status = status },
    };

    /// <summary>What one attempt of a forward needs (a value, so no closure is allocated per call).</summary>
    private readonly record struct Send(IHttpForwarder Forwarder, string Prefix, HttpMessageInvoker Invoker, ForwarderRequestConfig Config, ForwardingTransformer Transformer);

    // The one Authorization value (PluginTokenCheck takes the token out of it); none when there are several.
    private static string? Authorization(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.Authorization];
        return header.Count == 1 ? header[0] : null;
    }

    private static GatewayRefusal TokenRefusal(PluginTokenRefusal refusal) => refusal.Code switch
    {
        PluginTokenRefusalCode.Missing => new(StatusCodes.Status401Unauthorized, RefusalCodes.CallerTokenMissing, refusal.Reason),
        PluginTokenRefusalCode.NoPolicy => GatewayRefusal.NoPolicy,
        PluginTokenRefusalCode.KeysUnavailable => new(StatusCodes.Status503ServiceUnavailable, RefusalCodes.CallerTokenInvalid, refusal.Reason, RetryAfterSeconds: 1),
        _ => new(StatusCodes.Status401Unauthorized, RefusalCodes.CallerTokenInvalid, refusal.Reason),
    };

    [LoggerMessage(EventId = 9410, Level = LogLevel.Information, Message = "Forwarding {Caller} → {Target} failed: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, string caller, string target, ForwarderError error);

    [LoggerMessage(EventId = 9412, Level = LogLevel.Warning, Message = "The response of {Target} to {Caller} passed the limit of {Limit} bytes and was cut off")]
    private static partial void LogResponseTooLarge(ILogger logger, string caller, string target, long limit);

    [LoggerMessage(EventId = 9411, Level = LogLevel.Warning, Message = "A decision of {Caller} was not audited: {Result}")]
    private static partial void LogNotAudited(ILogger logger, string caller, DecisionAuditResult result);
}
