using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// The gateway's span source and meter (issue 10 section 5). A span per forwarded call, a child of the request's
/// activity and so of the caller's trace (its <c>traceparent</c>); metrics per (caller, target, outcome). Both cost
/// nothing while nobody listens (YARP's rule: telemetry only when someone listens).
/// </summary>
internal sealed class GatewayTelemetry
{
    public const string Name = "Fabrix.Core.Gateway";

    private static readonly ActivitySource Source = new(Name);
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;

    public GatewayTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _calls = meter.CreateCounter<long>("fabrix.gateway.calls", unit: "{call}", description: "Calls decided by the gateway, by caller, target and outcome.");
        _duration = meter.CreateHistogram<double>("fabrix.gateway.call.duration", unit: "s",
            description: "Time from the call's arrival to the end of its forwarded response (or its refusal), by caller, target and outcome.");
        _retries = meter.CreateCounter<long>("fabrix.gateway.retries", unit: "{retry}",
            description: "Calls sent to a target again because their connection could not be opened, by target.");
    }

    /// <summary>Starts the forwarding span, or returns null when no listener samples it.</summary>
    public static Activity? StartForward(string caller, string target, string method, string protocol)
    {
        var activity = Source.StartActivity("gateway.forward", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("fabrix.caller", caller);
            activity.SetTag("fabrix.target", target);
            activity.SetTag("fabrix.protocol", protocol);
            activity.SetTag("http.request.method", method);
        }

        return activity;
    }

    /// <summary>Counts one decided call. <paramref name="outcome"/> is <c>allowed</c> or the refusal code.</summary>
    public void Record(string caller, string target, string outcome, TimeSpan duration)
    {
        if (!_calls.Enabled && !_duration.Enabled)
        {
            return;
        }

        var tags = new TagList { { "caller", caller }, { "target", target }, { "outcome", outcome } };
        _calls.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Counts one retry of a call to <paramref name="target"/>.</summary>
    public void RecordRetry(string target)
    {
        if (_retries.Enabled)
        {
            _retries.Add(1, new KeyValuePair<string, object?>("target", target));
        }
    }
}
