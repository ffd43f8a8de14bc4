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

    public List<OperatorGrant> Grants { get; } = [];

    public List<PluginLaneLimits> Limits { get; } = [];

    /// <summary>Every change asked for, as text: "grant a->b reason", "revoke a->b reason", "limits a rps=.. burst=.. reason", "clear a reason".</summary>
    public List<string> Calls { get; } = [];

    public Task<IReadOnlyList<OperatorGrant>> ListGrantsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Failure is not null ? throw Failure : Task.FromResult<IReadOnlyList<OperatorGrant>>([.. Grants]);
        }
    }

    public Task<OperatorGrant> GrantAsync(string caller, string target, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"grant {caller}->{target} {reason}");
            var grant = new OperatorGrant { Caller = caller, Target = target, GrantedBy = "user:alice", GrantedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = reason };
            Grants.Add(grant);
            return Task.FromResult(grant);
        }
    }

    public Task RevokeAsync(string caller, string target, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"revoke {caller}->{target} {reason}");
            Grants.RemoveAll(g => g.Caller == caller && g.Target == target);
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<PluginLaneLimits>> ListLimitsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Failure is not null ? throw Failure : Task.FromResult<IReadOnlyList<PluginLaneLimits>>([.. Limits]);
        }
    }

    public Task<PluginLaneLimits> SetOperatorLimitsAsync(string pluginId, OperatorLaneLimits limits, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"limits {pluginId} rps={(limits.HasRequestsPerSecond ? limits.RequestsPerSecond : null)} burst={(limits.HasBurst ? limits.Burst : null)} {reason}");
            Limits.RemoveAll(l => l.PluginId == pluginId);
            var stored = new PluginLaneLimits { PluginId = pluginId, Limits = new LaneLimits { Operator = limits }, SetBy = "user:alice", Reason = reason };
            Limits.Add(stored);
            return Task.FromResult(stored);
        }
    }

    public Task ClearOperatorLimitsAsync(string pluginId, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"clear {pluginId} {reason}");
            Limits.RemoveAll(l => l.PluginId == pluginId);
            return Task.CompletedTask;
        }
    }

    public GetOperatorTrafficResponse Traffic { get; set; } = new();

    public List<OperatorRefusal> Refusals { get; } = [];

    public Dictionary<string, GetOperatorReachResponse> Reach { get; } = new(StringComparer.Ordinal);

    /// <summary>How many times the traffic was read (the page refreshes it on a timer).</summary>
    public int TrafficReads { get; private set; }

    public Task<GetOperatorTrafficResponse> GetTrafficAsync(int windowSeconds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            TrafficReads++;
            return Failure is not null ? throw Failure : Task.FromResult(Traffic.Clone());
        }
    }

    public Task<IReadOnlyList<OperatorRefusal>> ListRefusalsAsync(int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Failure is not null ? throw Failure : Task.FromResult<IReadOnlyList<OperatorRefusal>>([.. Refusals.Take(limit)]);
        }
    }

    public Task<GetOperatorReachResponse> GetReachAsync(string pluginId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Failure is not null ? throw Failure
                : Reach.TryGetValue(pluginId, out var reach) ? Task.FromResult(reach)
                : throw new RegistryException(Grpc.Core.StatusCode.NotFound, $"Plugin '{pluginId}' is not installed.", []);
        }
    }

    public static PolicySwitch Switch(PolicySwitchName name, bool on, string setBy = "system", string reason = "") =>
        new() { Name = name, On = on, SetBy = setBy, SetAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = reason };
}
