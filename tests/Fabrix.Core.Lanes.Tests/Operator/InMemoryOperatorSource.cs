using System.Collections.Frozen;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Lanes.Tests.Operator;

/// <summary>An <see cref="IOperatorPolicySource"/> over plugins built in the test, with grants and contract choices.</summary>
internal sealed class InMemoryOperatorSource(params PluginPolicy[] plugins) : IOperatorPolicySource
{
    private static readonly FrozenSet<string> Internal = new[] { "internal" }.ToFrozenSet(StringComparer.Ordinal);

    private readonly Dictionary<string, PluginPolicy> _plugins = plugins.ToDictionary(p => p.Id, StringComparer.Ordinal);

    public bool IsLaneOn { get; set; } = true;

    public HashSet<(string Caller, string Target)> Grants { get; } = [];

    public Dictionary<string, string> Preferred { get; } = new(StringComparer.Ordinal);

    public int SpanLookups { get; private set; }

    public IEnumerable<PluginPolicy> AllPlugins => _plugins.Values;

    public PluginPolicy? Find(string id) => _plugins.GetValueOrDefault(id);

    public PluginPolicy? Find(ReadOnlySpan<char> id)
    {
        SpanLookups++;
        return _plugins.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var plugin) ? plugin : null;
    }

    public bool IsGranted(string caller, string target) => Grants.Contains((caller, target));

    public string? PreferredProvider(string contract) => Preferred.GetValueOrDefault(contract);

    public static PluginPolicy Plugin(
        string id,
        IReadOnlyDictionary<string, string>? endpoints = null,
        string[]? dependencies = null,
        string[]? traits = null,
        string[]? contracts = null,
        PluginStatus status = PluginStatus.Active,
        HealthState health = HealthState.Healthy) => new(
            id,
            status,
            health,
            "sha256:" + new string('0', 64),
            "1.0.0",
            (traits ?? ["audit_required"]).ToFrozenSet(StringComparer.Ordinal),
            contracts ?? ["IdentityPlugin"],
            Internal,
            dependencies ?? [],
            (endpoints ?? new Dictionary<string, string>()).ToFrozenDictionary(StringComparer.Ordinal),
            [],
            $"http://127.0.0.1:5{id.Length:000}",
            null,
            null);
}
