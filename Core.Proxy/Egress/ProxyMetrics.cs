using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>
/// The Proxy lane's meter (issue 12; the gateway's <c>GatewayTelemetry</c> is the model). ServiceDefaults exports every
/// <c>Fabrix.*</c> meter through OpenTelemetry. Instruments:
/// <list type="bullet">
/// <item><c>fabrix.proxy.requests</c> and <c>fabrix.proxy.request.duration</c>: every absolute-form request and every
/// CONNECT, tagged <c>plugin</c> (<c>-</c> before authentication), <c>kind</c> (<c>http</c> or <c>connect</c>),
/// <c>outcome</c> (<c>allowed</c>, <c>refused</c>, or <c>failed</c> when the upstream did not answer) and <c>reason</c>
/// (the audit's code, <c>allowed</c> when nothing was refused; report mode's would-be refusal code when it allowed one).
/// A CONNECT's duration ends when the tunnel is established or refused; the tunnel's life is in its bytes.</item>
/// <item><c>fabrix.proxy.bytes</c>: bytes moved, tagged <c>plugin</c>, <c>kind</c> and <c>direction</c> (<c>up</c> to
/// the origin, <c>down</c> to the plugin): response bodies (down) and both directions of a tunnel, added when the
/// response or the tunnel ends (no per-read cost on the byte pump).</item>
/// <item><c>fabrix.proxy.tunnels.active</c>: open tunnels, by <c>plugin</c>.</item>
/// </list>
/// Nothing is recorded while nobody listens (YARP's rule: telemetry only when someone listens).
/// </summary>
internal sealed class ProxyMetrics
{
    public const string Name = "Fabrix.Core.Proxy";

    public const string KindHttp = "http";

    public const string KindConnect = "connect";

    public const string OutcomeAllowed = "allowed";

    public const string OutcomeRefused = "refused";

    public const string OutcomeFailed = "failed";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _bytes;
    private readonly UpDownCounter<long> _activeTunnels;

    public ProxyMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _requests = meter.CreateCounter<long>("fabrix.proxy.requests", unit: "{request}",
            description: "Proxy requests and CONNECT tunnels decided by the Proxy lane, by plugin, kind, outcome and reason.");
        _duration = meter.CreateHistogram<double>("fabrix.proxy.request.duration", unit: "s",
            description: "Time from a request's arrival to the end of its response (a CONNECT: to the tunnel's establishment) or its refusal.");
        _bytes = meter.CreateCounter<long>("fabrix.proxy.bytes", unit: "By",
            description: "Bytes moved through the proxy: response bodies (down) and both directions of tunnels, by plugin, kind and direction.");
        _activeTunnels = meter.CreateUpDownCounter<long>("fabrix.proxy.tunnels.active", unit: "{tunnel}",
            description: "CONNECT tunnels open now, by plugin.");
    }

    /// <summary>Counts one decided request or CONNECT: <paramref name="outcome"/> is one of the <c>Outcome*</c> constants.</summary>
    public void Request(string? pluginId, string kind, string outcome, string reason, TimeSpan duration)
    {
        if (!_requests.Enabled && !_duration.Enabled)
        {
            return;
        }

        var tags = new TagList { { "plugin", pluginId ?? "-" }, { "kind", kind }, { "outcome", outcome }, { "reason", reason } };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Counts a verdict: allowed or refused, with its reason.</summary>
    public void Request(ProxyVerdict verdict, string kind, TimeSpan duration) =>
        Request(verdict.PluginId, kind, verdict.Allowed ? OutcomeAllowed : OutcomeRefused, verdict.Reason, duration);

    /// <summary>Adds the bytes a response or a tunnel moved.</summary>
    public void Bytes(string? pluginId, string kind, long up, long down)
    {
        if (!_bytes.Enabled)
        {
            return;
        }

        if (up > 0)
        {
            _bytes.Add(up, new TagList { { "plugin", pluginId ?? "-" }, { "kind", kind }, { "direction", "up" } });
        }

        if (down > 0)
        {
            _bytes.Add(down, new TagList { { "plugin", pluginId ?? "-" }, { "kind", kind }, { "direction", "down" } });
        }
    }

    /// <summary>A tunnel opened (+1) or closed (-1).</summary>
    public void Tunnel(string? pluginId, int delta) =>
        // Not gated on Enabled: a listener that starts while a tunnel is open must not see it close below zero.
        _activeTunnels.Add(delta, new KeyValuePair<string, object?>("plugin", pluginId ?? "-"));
}
