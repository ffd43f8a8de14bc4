using Fabrix.Contracts.Policy.V1;

namespace Fabrix.Core.Registry.Policy;

/// <summary>The global switches as stored (<c>policy_switches.name</c>) and on the wire (<see cref="PolicySwitchName"/>).</summary>
internal static class PolicySwitches
{
    private static readonly (PolicySwitchName Name, string Stored)[] Names =
    [
        (PolicySwitchName.EgressKill, "egress_kill"),
        (PolicySwitchName.LaneOperator, "lane_operator"),
        (PolicySwitchName.LaneCanonical, "lane_canonical"),
        (PolicySwitchName.LaneProxy, "lane_proxy"),
    ];

    public static string ToDatabase(PolicySwitchName name) =>
        Names.FirstOrDefault(n => n.Name == name).Stored ?? throw new ArgumentOutOfRangeException(nameof(name), name, "Not a policy switch.");

    public static PolicySwitchName FromDatabase(string stored) =>
        Names.FirstOrDefault(n => string.Equals(n.Stored, stored, StringComparison.Ordinal)) is { Stored: not null } found
            ? found.Name
            : throw new InvalidOperationException($"Unknown policy switch '{stored}' in the database.");

    public static bool IsKnown(PolicySwitchName name) => Names.Any(n => n.Name == name);
}
