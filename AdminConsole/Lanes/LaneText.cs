using System.Globalization;
using Fabrix.Contracts.Policy.V1;

namespace Fabrix.AdminConsole.Lanes;

/// <summary>How the console names lane switches and formats lane numbers.</summary>
internal static class LaneText
{
    /// <summary>A lane whose revision is this many behind the registry's, or whose report is this old, is flagged.</summary>
    public const double StaleReportSeconds = 30;

    public static string SwitchName(PolicySwitchName name) => name switch
    {
        PolicySwitchName.EgressKill => "egress kill switch",
        PolicySwitchName.LaneOperator => "operator lane",
        PolicySwitchName.LaneCanonical => "canonical lane",
        PolicySwitchName.LaneProxy => "proxy lane",
        _ => name.ToString(),
    };

    /// <summary>Stable key for test ids and URLs: egress_kill, lane_operator, ...</summary>
    public static string SwitchKey(PolicySwitchName name) => name switch
    {
        PolicySwitchName.EgressKill => "egress_kill",
        PolicySwitchName.LaneOperator => "lane_operator",
        PolicySwitchName.LaneCanonical => "lane_canonical",
        PolicySwitchName.LaneProxy => "lane_proxy",
        _ => "unknown",
    };

    public static string Seconds(double seconds) => seconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    /// <summary>Whether a lane instance's report needs attention: not usable, behind the registry, or not heard from lately.</summary>
    public static bool NeedsAttention(LaneStatus lane, long registryRevision) =>
        !lane.Usable || lane.Revision < registryRevision || lane.AgeSeconds > StaleReportSeconds;
}
