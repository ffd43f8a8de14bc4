using Fabrix.AdminConsole.Lanes;
using Fabrix.Contracts.Policy.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>The Egress page's registry calls: a deny list, proxy audit rows and reach, and the changes asked for.</summary>
internal sealed class FakeEgressCatalog : IEgressCatalog
{
    private readonly Lock _gate = new();

    public List<DeniedDomain> Denied { get; } = [];

    public List<EgressDecisionRow> Recent { get; } = [];

    public List<EgressReach> Reach { get; } = [];

    /// <summary>Every change asked for, as text: "deny p reason", "allow p reason", "proxy id mode=.. rps=.. burst=.. bytes=.. reason".</summary>
    public List<string> Calls { get; } = [];

    public Task<IReadOnlyList<DeniedDomain>> ListDeniedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<DeniedDomain>>([.. Denied.Select(d => d.Clone())]);
        }
    }

    public Task<DeniedDomain> DenyAsync(string pattern, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"deny {pattern} {reason}");
            var entry = new DeniedDomain { Pattern = pattern, AddedBy = "user:alice", AddedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = reason };
            Denied.Add(entry);
            return Task.FromResult(entry);
        }
    }

    public Task RemoveDeniedAsync(string pattern, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"allow {pattern} {reason}");
            Denied.RemoveAll(d => d.Pattern == pattern);
            return Task.CompletedTask;
        }
    }

    public Task<PluginLaneLimits> SetProxyLimitsAsync(string pluginId, ProxyLaneLimits limits, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Calls.Add($"proxy {pluginId} mode={limits.Mode} rps={(limits.HasRequestsPerSecond ? limits.RequestsPerSecond : null)} "
                + $"burst={(limits.HasBurst ? limits.Burst : null)} bytes={(limits.HasBytesPerSecond ? limits.BytesPerSecond : null)} {reason}");
            return Task.FromResult(new PluginLaneLimits { PluginId = pluginId, Limits = new LaneLimits { Proxy = limits }, SetBy = "user:alice", Reason = reason });
        }
    }

    public Task<IReadOnlyList<EgressDecisionRow>> RecentAsync(int count, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<EgressDecisionRow>>([.. Recent.Take(count)]);

    public Task<IReadOnlyList<EgressReach>> ReachAsync(TimeSpan window, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<EgressReach>>([.. Reach]);
}
