using Fabrix.AdminConsole.Lanes;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Policy.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>The registry's lane control as the pages see it: a status answer, the switches, and the switch changes asked for.</summary>
internal sealed class FakeLaneCatalog : ILaneCatalog
{
    private readonly Lock _gate = new();

    public ListLaneStatusResponse Status { get; set; } = new() { Revision = 1 };

    public List<PolicySwitch> Switches { get; } =
    [
        Switch(PolicySwitchName.EgressKill, false),
        Switch(PolicySwitchName.LaneOperator, true),
        Switch(PolicySwitchName.LaneCanonical, true),
        Switch(PolicySwitchName.LaneProxy, true),
    ];

    public List<(PolicySwitchName Name, bool On, string Reason)> SwitchChanges { get; } = [];

    /// <summary>When set, every call fails with it.</summary>
    public RegistryException? Failure { get; set; }

    public Task<ListLaneStatusResponse> ListStatusAsync(CancellationToken cancellationToken) =>
        Failure is not null ? throw Failure : Task.FromResult(Status);

    public Task<IReadOnlyList<PolicySwitch>> ListSwitchesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Failure is not null ? throw Failure : Task.FromResult<IReadOnlyList<PolicySwitch>>([.. Switches.Select(s => s.Clone())]);
        }
    }

    public Task<PolicySwitch> SetSwitchAsync(PolicySwitchName name, bool on, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            SwitchChanges.Add((name, on, reason));
            var index = Switches.FindIndex(s => s.Name == name);
            Switches[index] = Switch(name, on, "user:alice", reason);
            return Task.FromResult(Switches[index]);
        }
    }

    public static PolicySwitch Switch(PolicySwitchName name, bool on, string setBy = "system", string reason = "") =>
        new() { Name = name, On = on, SetBy = setBy, SetAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = reason };
}
