using System.Collections.Frozen;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Cli.Gateway;

/// <summary>
/// The offline view <c>fabrix gateway check</c> decides from (issue 10 section 2): the given manifests, every plugin
/// taken as installed, <c>active</c> and healthy, the Operator lane on, no grants and no contract choices.
/// </summary>
internal sealed class GatewayCheckSource : IOperatorPolicySource
{
    private readonly Dictionary<string, PluginPolicy> _plugins;

    public GatewayCheckSource(IEnumerable<(PluginManifest Manifest, string Digest)> manifests) =>
        _plugins = manifests.ToDictionary(m => m.Manifest.Id, m => FromManifest(m.Manifest, m.Digest), StringComparer.Ordinal);

    public bool IsLaneOn => true;

    public IEnumerable<PluginPolicy> AllPlugins => _plugins.Values;

    public PluginPolicy? Find(string id) => _plugins.GetValueOrDefault(id);

    public PluginPolicy? Find(ReadOnlySpan<char> id) =>
        _plugins.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var plugin) ? plugin : null;

    public bool IsGranted(string caller, string target) => false;

    public string? PreferredProvider(string contract) => null;

    private static PluginPolicy FromManifest(PluginManifest manifest, string digest) => new(
        manifest.Id,
        PluginStatus.Active,
        HealthState.Healthy,
        digest,
        manifest.Version,
        manifest.Traits.ToFrozenSet(StringComparer.Ordinal),
        manifest.Contracts,
        manifest.Security.DataClassification.ToFrozenSet(StringComparer.Ordinal),
        manifest.Dependencies,
        manifest.Endpoints.ToFrozenDictionary(StringComparer.Ordinal),
        manifest.AllowedDomains,
        Address: null,
        manifest.Resources?.MemoryLimit,
        manifest.Resources?.CpuLimit);
}
