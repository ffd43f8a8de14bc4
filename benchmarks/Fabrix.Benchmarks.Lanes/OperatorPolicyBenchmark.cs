using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>
/// The Operator lane's per-request policy (issue 10 section 2): the path check alone, a whole allowed decision on the
/// gateway's raw target (20 endpoints on the target), a refused one, and a contract-routed one. The source is a frozen
/// dictionary looked up by span, as the gateway's snapshot is.
/// </summary>
[MemoryDiagnoser]
public class OperatorPolicyBenchmark
{
    private const string RawTarget = "/user-management/api/users/42/orders/1234?expand=items";
    private string _rawPath = null!;
    private FrozenSource _source = null!;
    private OperatorRequest _allowed;
    private OperatorRequest _refused;
    private OperatorRequest _contract;

    [GlobalSetup]
    public void Setup()
    {
        var endpoints = Enumerable.Range(0, 16).ToDictionary(i => $"extra_{i}", i => $"GET /api/v1/resource{i}/{{id}}");
        endpoints["user_info"] = "GET /api/users/{id}";
        endpoints["me"] = "GET /api/users/me";
        endpoints["orders"] = "GET,DELETE /api/users/{id}/orders/{order}";
        endpoints["health"] = "/health";
        _source = new FrozenSource(
            Plugin("user-management", endpoints, [], ["IdentityPlugin"]),
            Plugin("accounting", new Dictionary<string, string> { ["health"] = "/health" }, ["user-management"], ["ProcessingPlugin"]));
        _rawPath = RawTarget[..RawTarget.IndexOf('?', StringComparison.Ordinal)];
        _allowed = OperatorRequest.ForGatewayTarget("accounting", "GET", RawTarget);
        _refused = OperatorRequest.ForGatewayTarget("accounting", "GET", "/user-management/api/users/42/orders/%2e%2e%2Fadmin");
        _contract = OperatorRequest.ForGatewayTarget("accounting", "GET", "/contracts/IdentityPlugin/api/users/42/orders/1234");
        if (!OperatorPolicy.Decide(_source, _allowed).Allowed || OperatorPolicy.Decide(_source, _refused).Allowed || !OperatorPolicy.Decide(_source, _contract).Allowed)
        {
            throw new InvalidOperationException("The benchmark's requests do not decide as expected.");
        }
    }

    [Benchmark(Description = "OperatorPath.Check")]
    public string? PathCheck() => OperatorPath.Check(_rawPath);

    [Benchmark(Baseline = true, Description = "Decide, allowed")]
    public bool Allowed() => OperatorPolicy.Decide(_source, _allowed).Allowed;

    [Benchmark(Description = "Decide, refused path")]
    public bool Refused() => OperatorPolicy.Decide(_source, _refused).Allowed;

    [Benchmark(Description = "Decide, by contract")]
    public bool Contract() => OperatorPolicy.Decide(_source, _contract).Allowed;

    private static PluginPolicy Plugin(string id, Dictionary<string, string> endpoints, string[] dependencies, string[] contracts) => new(
        id, PluginStatus.Active, HealthState.Healthy, new string('a', 64), "1.0.0",
        FrozenSet<string>.Empty, contracts, FrozenSet<string>.Empty, dependencies,
        endpoints.ToFrozenDictionary(StringComparer.Ordinal), [], "http://127.0.0.1:5000", null, null);

    private sealed class FrozenSource(params PluginPolicy[] plugins) : IOperatorPolicySource
    {
        private readonly FrozenDictionary<string, PluginPolicy> _plugins = plugins.ToFrozenDictionary(p => p.Id, StringComparer.Ordinal);

        public bool IsLaneOn => true;

        public IEnumerable<PluginPolicy> AllPlugins => _plugins.Values;

        public PluginPolicy? Find(string id) => _plugins.GetValueOrDefault(id);

        public PluginPolicy? Find(ReadOnlySpan<char> id) => _plugins.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var plugin) ? plugin : null;

        public bool IsGranted(string caller, string target) => false;

        public string? PreferredProvider(string contract) => null;
    }
}
