using System.Collections.Concurrent;
using Fabrix.Core.Gateway.Limits;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// Per-target resilience (issue 10 section 4), one Polly pipeline per target plugin, built on first use:
/// <list type="bullet">
/// <item>a circuit breaker over the target's transport failures and timeouts: while it is open, calls are refused with
/// 503 <c>TARGET_CIRCUIT_OPEN</c> without reaching the target;</item>
/// <item>outside it, retries of a call only when its connection to the target could not be opened (nothing was sent),
/// the response has not started, and the call is idempotent (GET, HEAD, OPTIONS, PUT, DELETE) without a body.</item>
/// </list>
/// Outcomes are values (<see cref="ForwarderError"/>), so the forwarding path throws nothing.
/// </summary>
internal sealed class TargetResilience(IOptions<GatewayLimitsOptions> options, TimeProvider time, GatewayTelemetry telemetry)
{
    private static readonly ResiliencePropertyKey<HttpContext> CallKey = new("fabrix.gateway.call");
    private static readonly ResiliencePropertyKey<bool> RetryableKey = new("fabrix.gateway.retryable");
    private static readonly ResiliencePropertyKey<string> TargetKey = new("fabrix.gateway.target");

    private readonly ConcurrentDictionary<string, ResiliencePipeline<ForwarderError>> _pipelines = new(StringComparer.Ordinal);
    private readonly TargetResilienceOptions _options = options.Value.Resilience;

    /// <summary>
    /// Runs <paramref name="send"/> for <paramref name="targetId"/> through its pipeline. Returns the forwarder's
    /// result, or a null error when the circuit is open (nothing was sent) with the time until it may close.
    /// </summary>
    public async ValueTask<(ForwarderError? Error, TimeSpan RetryAfter)> SendAsync<TState>(string targetId, HttpContext http, TState state,
        Func<HttpContext, TState, ValueTask<ForwarderError>> send)
    {
        var pipeline = _pipelines.GetOrAdd(targetId, static (_, self) => self.Build(), this);
        var context = ResilienceContextPool.Shared.Get(http.RequestAborted);
        try
        {
            context.Properties.Set(CallKey, http);
            context.Properties.Set(RetryableKey, IsRetryable(http.Request));
            context.Properties.Set(TargetKey, targetId);
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (context, args) => Outcome.FromResult(await args.send(args.http, args.state)), context, (send, http, state));
            return outcome.Exception switch
            {
                null => (outcome.Result, TimeSpan.Zero),
                BrokenCircuitException broken => (null, broken.RetryAfter ?? _options.BreakDuration),
                _ => throw outcome.Exception,
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>A call that may be sent again: an idempotent method and no request body.</summary>
    internal static bool IsRetryable(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method))
        && request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0;

    /// <summary>The failures the breaker counts: the target could not be reached, timed out, or broke a body off.</summary>
    internal static bool IsTargetFailure(ForwarderError error) =>
        error is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestBodyDestination or ForwarderError.ResponseBodyDestination;

    /// <summary>The call's connection could not be opened: nothing reached the target.</summary>
    internal static bool IsConnectionFailure(HttpContext http) =>
        http.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request, Exception: var exception }
        && FindRequestException(exception) is { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };

    private static HttpRequestException? FindRequestException(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException request)
            {
                return request;
            }
        }

        return null;
    }

    internal ResiliencePipeline<ForwarderError> Build()
    {
        var builder = new ResiliencePipelineBuilder<ForwarderError> { TimeProvider = time };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ForwarderError>
            {
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is null
                    && args.Outcome.Result == ForwarderError.Request
                    && args.Context.Properties.GetValue(RetryableKey, false)
                    && args.Context.Properties.TryGetValue(CallKey, out var http)
                    && !http.Response.HasStarted
                    && IsConnectionFailure(http)),
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(CallKey, out var http))
                    {
                        // The failed attempt left YARP's 502 and error feature behind; the next attempt starts clean.
                        http.Response.Clear();
                        http.Features.Set<IForwarderErrorFeature>(null);
                    }

                    telemetry.RecordRetry(args.Context.Properties.GetValue(TargetKey, "-"));
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<ForwarderError>
        {
            FailureRatio = _options.FailureRatio,
            MinimumThroughput = _options.MinimumThroughput,
            SamplingDuration = _options.SamplingDuration,
            BreakDuration = _options.BreakDuration,
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is null && IsTargetFailure(args.Outcome.Result)),
        });
        return builder.Build();
    }
}
