using System.Diagnostics;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Lanes.Audit;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>Every Proxy-lane decision to the decision audit (issue 12 section 2): plugin, host, resolved IP, port, method, status, bytes, duration, decision, reason, mode.</summary>
internal sealed class ProxyAudit(DecisionAuditWriter writer)
{
    /// <summary>
    /// Writes the record. Returns false when the audit buffer is full and the lane fails closed: the caller must then
    /// refuse (nothing happens on the lane that is not audited).
    /// </summary>
    public bool Write(ProxyVerdict verdict, string action, string requestedTarget, int status, long? bytes, TimeSpan duration)
    {
        var decision = verdict.Decision;
        var dialled = decision?.DialAddress?.ToString() ?? "-";
        var target = $"{decision?.Host ?? Truncate(requestedTarget)}:{decision?.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} ip={dialled} status={status} mode={(verdict.WouldRefuse ? "report" : "enforce")}";
        var reason = verdict.Allowed && !verdict.WouldRefuse ? string.Empty : verdict.Reason;
        var activity = Activity.Current;
        var result = writer.Write(new LaneDecision(
            verdict.PluginId ?? "-",
            Lane.Proxy,
            target,
            action,
            verdict.Allowed,
            reason,
            activity?.TraceId.ToString() ?? Guid.NewGuid().ToString("N"),
            activity?.Id,
            bytes,
            duration));
        return result != DecisionAuditResult.Refused;
    }

    private static string Truncate(string text) => text.Length <= 256 ? text : text[..256];
}
