using System.Diagnostics;
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
    IOptions<GatewayLimitsOptions> limits,
    ILogger<OperatorForwarder> logger)
{
    /// <summary>The audit's actor for a call whose caller is not known (no or an invalid token).</summary>
    public const string UnknownCaller = "unauthenticated";

    private const string ForwardAction = "forward";

    private readonly ForwarderRequestConfig _requestConfig = new() { ActivityTimeout = limits.Value.TargetTimeout };
    private readonly long _maxRequestBody = limits.Value.MaxRequestBodyBytes;

    public async Task ForwardAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;

        if (!snapshots.Current.IsUsable)
        {
            await RefuseAsync(context, UnknownCaller, rawTarget, GatewayRefusal.NoPolicy, started);
            return;
        }

        var check = await tokens.CheckAsync(BearerToken(request), context.RequestAborted);
        if (!check.IsAccepted)
        {
            await RefuseAsync(context, UnknownCaller, rawTarget, TokenRefusal(check.Refusal), started);
            return;
        }

        var caller = check.Caller;
        if (rateLimits.TryTake(caller.PluginId, snapshots.Current.Snapshot?.Find(caller.PluginId)?.LaneLimits?.Operator) is { } overRate)
        {
            await RefuseAsync(context, caller.PluginId, $"- {request.Method} -", overRate, started);
            return;
        }

        var decision = decisions.DecideHttp(caller, request.Method, rawTarget);
        if (decision.Refusal is { } refused)
        {
            await RefuseAsync(context, caller.PluginId, decision.AuditTarget, refused, started);
            return;
        }

        var target = decision.Target!;
        var destination = decision.Destination!;

        if (request.ContentLength > _maxRequestBody)
        {
            await RefuseAsync(context, caller.PluginId, decision.AuditTarget, RequestTooLarge(), started);
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
            await RefuseAsync(context, caller.PluginId, decision.AuditTarget, GatewayRefusal.AuditUnavailable, started);
            return;
        }

        var correlationId = Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
        var callerContext = callerContexts.For(caller.PluginId, caller.Traits, target.Id, correlationId);
        var transformer = new ForwardingTransformer(destination, callerContext);
        var address = target.Address!;

        ForwarderError error;
        using (GatewayTelemetry.StartForward(caller.PluginId, target.Id, request.Method))
        {
            error = await forwarder.SendAsync(context, address, invokers.For(address), _requestConfig, transformer);
        }

        if (error != ForwarderError.None)
        {
            LogForwardFailed(logger, caller.PluginId, target.Id, error);
            if (!context.Response.HasStarted)
            {
                // YARP chose the status (502, 504 on a timeout, ...); the body says which target.
                var status = context.Response.StatusCode >= 500 ? context.Response.StatusCode : StatusCodes.Status502BadGateway;
                await refusals.WriteAsync(context, FailureOf(error, target.Id, status));
            }
        }

        var reason = error == ForwarderError.None ? string.Empty : FailureOf(error, target.Id, StatusCodes.Status502BadGateway).Code;
        Audit(context, caller.PluginId, decision.AuditTarget, allowed: true, reason, started);
    }

    private async Task RefuseAsync(HttpContext context, string caller, string auditTarget, GatewayRefusal refusal, long started)
    {
        Audit(context, caller, auditTarget, allowed: false, refusal.Code, started);
        await refusals.WriteAsync(context, refusal);
    }

    private void Audit(HttpContext context, string caller, string auditTarget, bool allowed, string reason, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var correlationId = Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
        var bytes = (context.Request.ContentLength ?? 0) + (context.Response.ContentLength ?? 0);
        var result = audit.Write(new LaneDecision(caller, Lane.Operator, $"{auditTarget} {context.Response.StatusCode}", ForwardAction, allowed, reason,
            correlationId, context.Request.Headers.TraceParent.ToString() is { Length: > 0 } traceparent ? traceparent : null, bytes, elapsed));
        if (result != DecisionAuditResult.Accepted)
        {
            LogNotAudited(logger, caller, result);
        }

        telemetry.Record(caller, TargetOf(auditTarget), allowed && reason.Length == 0 ? "allowed" : reason, elapsed);
    }

    /// <summary>The target id at the start of an audit target (<c>id METHOD /path</c>), for the metric's tag.</summary>
    private static string TargetOf(string auditTarget)
    {
        var space = auditTarget.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? auditTarget : auditTarget[..space];
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

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.Authorization];
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return value[7..].Trim();
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

    [LoggerMessage(EventId = 9411, Level = LogLevel.Warning, Message = "A decision of {Caller} was not audited: {Result}")]
    private static partial void LogNotAudited(ILogger logger, string caller, DecisionAuditResult result);
}
