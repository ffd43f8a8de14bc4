using System.Diagnostics;
using System.Globalization;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Lanes.Audit;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>
/// Every Proxy-lane decision to the decision audit (issue 12 section 2): plugin, target (<c>host:port</c>), action,
/// decision, reason, bytes and duration in the record; host, port, resolved ip, method, status and mode (and
/// <c>would_refuse</c> when report mode allowed what enforce mode refuses) as <see cref="LaneDecision.Attributes"/>,
/// which the registry stores under the audit row's <c>details.attributes</c> for the console and the CLI.
/// </summary>
internal sealed class ProxyAudit(DecisionAuditWriter writer)
{
    /// <summary>
    /// Writes the record. Returns false when the audit buffer is full and the lane fails closed: the caller must then
    /// refuse (nothing happens on the lane that is not audited).
    /// </summary>
    public bool Write(ProxyVerdict verdict, string action, string requestedTarget, string method, int status, long? bytes, TimeSpan duration)
    {
        var decision = verdict.Decision;
        var host = decision?.Host ?? Truncate(requestedTarget);
        var port = decision?.Port.ToString(CultureInfo.InvariantCulture);
        var attributes = new Dictionary<string, string>(8, StringComparer.Ordinal)
        {
            ["host"] = host,
            ["method"] = method,
            ["status"] = status.ToString(CultureInfo.InvariantCulture),
            ["mode"] = verdict.ReportMode ? "report" : "enforce",
        };
        if (port is not null)
        {
            attributes["port"] = port;
        }

        if (decision?.DialAddress is { } dialled)
        {
            attributes["ip"] = dialled.ToString();
        }

        if (verdict.WouldRefuse)
        {
            attributes["would_refuse"] = "true";
        }

        var reason = verdict.Allowed && !verdict.WouldRefuse ? string.Empty : verdict.Reason;
        var activity = Activity.Current;
        var result = writer.Write(new LaneDecision(
            verdict.PluginId ?? "-",
            Lane.Proxy,
            port is null ? host : $"{host}:{port}",
            action,
            verdict.Allowed,
            reason,
            activity?.TraceId.ToString() ?? Guid.NewGuid().ToString("N"),
            activity?.Id,
            bytes,
            duration,
            attributes));
        return result != DecisionAuditResult.Refused;
    }

    private static string Truncate(string text) => text.Length <= 256 ? text : text[..256];
}
