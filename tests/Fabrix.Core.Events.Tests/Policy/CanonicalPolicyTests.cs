using System.Collections.Frozen;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Events.Policy;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Events.Tests.Policy;

/// <summary>The Canonical lane's rules on snapshots built in memory (cases a valid manifest cannot produce, such as a pii type without the trait).</summary>
public sealed class CanonicalPolicyTests
{
    public static TheoryData<string, string[], string[], PluginStatus, bool, string?> PublishCases => new()
    {
        // type, publishes, traits, status, lane on, expected code (null: allowed)
        { "UserCreated", ["UserCreated"], ["handles_pii"], PluginStatus.Active, true, null },
        { "fabrix.canonical.v1.UserCreated", ["UserCreated"], ["handles_pii"], PluginStatus.Active, true, null },
        { "UserCreated", ["UserCreated"], [], PluginStatus.Active, true, RefusalCodes.EventClassificationNotAllowed },
        { "UserDeleted", ["UserDeleted"], [], PluginStatus.Active, true, null },
        { "UserDeleted", ["UserCreated"], ["handles_pii"], PluginStatus.Active, true, RefusalCodes.EventTypeNotDeclared },
        { "NoSuchType", ["UserCreated"], ["handles_pii"], PluginStatus.Active, true, RefusalCodes.EventTypeUnknown },
        { "UserCreated", ["UserCreated"], ["handles_pii"], PluginStatus.Disabled, true, RefusalCodes.CallerNotActive },
        { "UserCreated", ["UserCreated"], ["handles_pii"], PluginStatus.Active, false, RefusalCodes.CanonicalLaneOff },
    };

    [Theory]
    [MemberData(nameof(PublishCases))]
    public void DecidePublish_Case_ExpectedCode(string type, string[] publishes, string[] traits, PluginStatus status, bool laneOn, string? expected)
    {
        var view = View(Plugin("hr", status, traits, publishes: publishes, subscribes: []), laneOn);

        var refusal = CanonicalPolicy.DecidePublish(view, "hr", type, out _);

        Assert.Equal(expected, refusal?.Code);
    }

    public static TheoryData<string, string[], string[], PluginStatus, string?> DeliveryCases => new()
    {
        { "UserCreated", ["UserCreated"], ["handles_pii"], PluginStatus.Active, null },
        { "UserCreated", ["UserCreated"], [], PluginStatus.Active, RefusalCodes.EventClassificationNotAllowed },
        { "UserCreated", [], ["handles_pii"], PluginStatus.Active, RefusalCodes.EventTypeNotSubscribed },
        { "UserCreated", ["UserCreated"], ["handles_pii"], PluginStatus.Disabled, RefusalCodes.CallerNotActive },
    };

    [Theory]
    [MemberData(nameof(DeliveryCases))]
    public void DecideDelivery_Case_ExpectedCode(string type, string[] subscribes, string[] traits, PluginStatus status, string? expected)
    {
        var view = View(Plugin("accounting", status, traits, publishes: [], subscribes: subscribes), laneOn: true);

        var refusal = CanonicalPolicy.DecideDelivery(view, "accounting", CanonicalEventTypes.Find(type)!);

        Assert.Equal(expected, refusal?.Code);
    }

    [Fact]
    public void DecidePublish_NoUsableSnapshot_RefusedNoPolicy()
    {
        var refusal = CanonicalPolicy.DecidePublish(new PolicyView(null, false, null), "hr", "UserCreated", out _);

        Assert.Equal(RefusalCodes.LaneNoPolicy, refusal?.Code);
    }

    private static PluginPolicy Plugin(string id, PluginStatus status, string[] traits, string[] publishes, string[] subscribes) =>
        new(id, status, HealthState.Healthy, "sha256:x", "1.0.0", traits.ToFrozenSet(StringComparer.Ordinal), [], FrozenSet<string>.Empty, [],
            FrozenDictionary<string, string>.Empty, [], null, null, null)
        {
            EventPublishes = publishes.ToFrozenSet(StringComparer.Ordinal),
            EventSubscribes = subscribes.ToFrozenSet(StringComparer.Ordinal),
        };

    private static PolicyView View(PluginPolicy plugin, bool laneOn)
    {
        var switches = new Dictionary<PolicySwitchName, SwitchPolicy>
        {
            [PolicySwitchName.LaneCanonical] = new(PolicySwitchName.LaneCanonical, laneOn, "system", DateTimeOffset.UnixEpoch, string.Empty),
        };
        var snapshot = new Fabrix.Core.Lanes.Policy.PolicySnapshot(1, DateTimeOffset.UnixEpoch, new Dictionary<string, PluginPolicy>(StringComparer.Ordinal) { [plugin.Id] = plugin }.ToFrozenDictionary(StringComparer.Ordinal),
            switches.ToFrozenDictionary(), [], []);
        return new PolicyView(snapshot, true, TimeSpan.Zero);
    }
}
