using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Dependencies;

namespace Fabrix.Core.Registry.Tests.Dependencies;

public sealed class DependencyGraphTests
{
    // Graphs are written "plugin:dep,dep plugin:dep ..."; "a:" is a plugin without dependencies.
    private const string Chain = "a:b b:c c:";
    private const string Diamond = "a:b,c b:d c:d d:";

    /// <summary>Graph, expected first cycle (null = none).</summary>
    public static TheoryData<string, string?> Cycles => new()
    {
        { "", null },
        { "a: b: c:", null },
        { Chain, null },
        { Diamond, null },
        { "a:ghost", null },
        { "a:a", "a → a" },
        { "a:b b:a", "a → b → a" },
        { "b:a a:b", "a → b → a" },
        { "a:b b:c c:a", "a → b → c → a" },
        { "c:a a:b b:c", "a → b → c → a" },
        { "m:z z:k k:m", "k → m → z → k" },
        { "a:z z:k k:z", "k → z → k" },
        { "a:b b:c c:d d:b", "b → c → d → b" },
        { "x:y y:x a:b b:a", "a → b → a" },
        { "a:b,c b:d c:d d:c", "c → d → c" },
        { "a:b b:ghost,c c:b", "b → c → b" },
        { "claims-gateway:user-management user-management:billing billing:claims-gateway", "billing → claims-gateway → user-management → billing" },
    };

    [Theory]
    [MemberData(nameof(Cycles))]
    public void FindCycle_Graph_NamesFirstCycleExactly(string graph, string? expected)
    {
        var cycle = Graph(graph).FindCycle();

        Assert.Equal(expected, cycle?.Text);
        Assert.Equal(expected, cycle?.ToString());
    }

    [Fact]
    public void FindCycle_ThreeCycle_OrderedListsOpenAndClosed()
    {
        var cycle = Graph("c:a a:b b:c").FindCycle()!;

        Assert.Equal(["a", "b", "c"], cycle.Plugins);
        Assert.Equal(["a", "b", "c", "a"], cycle.Path);
    }

    [Fact]
    public void FindCycle_SelfDependency_GraphHandlesWhatValidatorRefuses()
    {
        var cycle = Graph("solo:solo").FindCycle()!;

        Assert.Equal(["solo"], cycle.Plugins);
        Assert.Equal("solo → solo", cycle.Text);
    }

    [Fact]
    public void FindCycle_LongChain_NoStackOverflow()
    {
        const int length = 20_000;
        var map = Enumerable.Range(0, length).ToDictionary(
            i => $"p{i:D5}", i => (IReadOnlyList<string>)(i + 1 < length ? [$"p{i + 1:D5}"] : []));
        var graph = new DependencyGraph(map);

        Assert.Null(graph.FindCycle());
        Assert.Equal($"p{length - 1:D5}", graph.TopologicalOrder()[0]);
        Assert.NotNull(graph.With($"p{length - 1:D5}", ["p00000"]).FindCycle());
    }

    /// <summary>Graph, expected start-up order.</summary>
    public static TheoryData<string, string[]> Orders => new()
    {
        { "", [] },
        { "c: b: a:", ["a", "b", "c"] },
        { Chain, ["c", "b", "a"] },
        { Diamond, ["d", "b", "c", "a"] },
        { "a:ghost b:a", ["a", "b"] },
        { "z:a a: m:a", ["a", "m", "z"] },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void TopologicalOrder_Graph_DependenciesFirstTiesOrdinal(string graph, string[] expected)
    {
        var order = Graph(graph).TopologicalOrder();

        Assert.Equal(expected, order);
    }

    [Theory]
    [InlineData("a:b b:a", "a → b → a")]
    [InlineData("a:b,c b:d c:d d:c", "c → d → c")]
    [InlineData("a:a", "a → a")]
    public void TopologicalOrder_Cycle_ThrowsNamingIt(string graph, string cycle)
    {
        var error = Assert.Throws<DependencyCycleException>(() => Graph(graph).TopologicalOrder());

        Assert.Equal(cycle, error.Cycle.Text);
        Assert.Contains(cycle, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Graph, plugin, expected direct dependents, expected direct and transitive dependents.</summary>
    public static TheoryData<string, string, string[], string[]> DependentsCases => new()
    {
        { Diamond, "d", ["b", "c"], ["a", "b", "c"] },
        { Diamond, "b", ["a"], ["a"] },
        { Diamond, "a", [], [] },
        { Chain, "c", ["b"], ["a", "b"] },
        { "a:ghost b:a", "ghost", ["a"], ["a", "b"] },
        { "a:b b:a", "a", ["b"], ["b"] },
        { "a:a", "a", ["a"], [] },
        { Chain, "unknown", [], [] },
    };

    [Theory]
    [MemberData(nameof(DependentsCases))]
    public void Dependents_Plugin_DirectAndTransitive(string graph, string plugin, string[] direct, string[] all)
    {
        var dependencyGraph = Graph(graph);

        Assert.Equal(direct, dependencyGraph.DirectDependents(plugin));
        Assert.Equal(all, dependencyGraph.Dependents(plugin));
    }

    [Fact]
    public void Dependencies_Plugin_DeclaredDistinctOrdinal()
    {
        var graph = new DependencyGraph(new Dictionary<string, IReadOnlyList<string>> { ["a"] = ["c", "b", "c"] });

        Assert.Equal(["b", "c"], graph.Dependencies("a"));
        Assert.Empty(graph.Dependencies("b"));
        Assert.Equal(["a"], graph.Plugins);
        Assert.True(graph.Contains("a"));
        Assert.False(graph.Contains("b"));
    }

    /// <summary>Graph, plugin, installed ids, expected missing dependencies.</summary>
    public static TheoryData<string, string, string[], string[]> MissingCases => new()
    {
        { "a:b,c,ghost b: c:", "a", ["a", "b", "c"], ["ghost"] },
        { "a:b,c,ghost b: c:", "a", ["a", "b"], ["c", "ghost"] },
        { "a:b,c b: c:", "a", ["a", "b", "c"], [] },
        { "a:b b:", "a", [], ["b"] },
        { "a:", "a", [], [] },
        { Chain, "a", ["a", "b"], [] },
    };

    [Theory]
    [MemberData(nameof(MissingCases))]
    public void MissingDependencies_Installed_ListsUninstalledDirectDependencies(string graph, string plugin, string[] installed, string[] expected)
    {
        var missing = Graph(graph).MissingDependencies(plugin, installed);

        Assert.Equal(expected, missing);
    }

    [Fact]
    public void MissingDependencies_UnknownPlugin_Throws()
    {
        Assert.Throws<ArgumentException>(() => Graph(Chain).MissingDependencies("zzz", ["a"]));
    }

    /// <summary>Graph, plugin to disable, active plugins, expected cascade order.</summary>
    public static TheoryData<string, string, string[], string[]> CascadeCases => new()
    {
        { Chain, "c", ["a", "b", "c"], ["a", "b"] },
        { Chain, "b", ["a", "b", "c"], ["a"] },
        { Chain, "a", ["a", "b", "c"], [] },
        { Chain, "c", ["a", "c"], ["a"] },
        { Chain, "c", ["c"], [] },
        { Chain, "c", [], [] },
        { Diamond, "d", ["a", "b", "c", "d"], ["a", "b", "c"] },
        { Diamond, "d", ["b", "c", "d"], ["b", "c"] },
        { Diamond, "c", ["a", "b", "c", "d"], ["a"] },
        { "e:a a:b,c b:d c:d f:c d:", "d", ["a", "b", "c", "d", "e", "f"], ["e", "a", "b", "f", "c"] },
        { "a:b,c b:c c:", "c", ["a", "b", "c"], ["a", "b"] },
        { "a:ghost", "ghost", ["a"], ["a"] },
    };

    [Theory]
    [MemberData(nameof(CascadeCases))]
    public void CascadeOrder_Graph_DependentsOfDependentsFirst(string graph, string plugin, string[] active, string[] expected)
    {
        var order = Graph(graph).CascadeOrder(plugin, active);

        Assert.Equal(expected, order);
    }

    [Theory]
    [MemberData(nameof(CascadeCases))]
    public void CascadeOrder_DisablingInOrder_NeverLeavesActivePluginWithDisabledDependency(string graph, string plugin, string[] active, string[] expected)
    {
        var dependencyGraph = Graph(graph);
        var stillActive = new HashSet<string>(active, StringComparer.Ordinal);
        var disabled = new List<string>();

        foreach (var next in dependencyGraph.CascadeOrder(plugin, active))
        {
            stillActive.Remove(next);
            disabled.Add(next);
            Assert.DoesNotContain(stillActive, p => dependencyGraph.Dependencies(p).Contains(next));
        }

        stillActive.Remove(plugin);
        Assert.DoesNotContain(stillActive, p => dependencyGraph.Dependencies(p).Contains(plugin));
        Assert.DoesNotContain(stillActive, dependencyGraph.Dependents(plugin).Contains);
        Assert.Equal(expected.Order(StringComparer.Ordinal), disabled.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("a:b b:a c:", "a", "a → b → a")]
    [InlineData("a:b b:a,c c:", "c", "a → b → a")]
    [InlineData("x:y y:x a:b b:a,c c:", "c", "a → b → a")]
    public void CascadeOrder_CycleAmongDependents_ThrowsNamingIt(string graph, string plugin, string cycle)
    {
        var error = Assert.Throws<DependencyCycleException>(() => Graph(graph).CascadeOrder(plugin, ["a", "b", "c", "x", "y"]));

        Assert.Equal(cycle, error.Cycle.Text);
    }

    [Fact]
    public void With_DependencyClosingLoop_NewGraphHasCycleOriginalUnchanged()
    {
        var graph = Graph(Chain);

        var candidate = graph.With("c", ["a"]);

        Assert.Equal("a → b → c → a", candidate.FindCycle()?.Text);
        Assert.Null(graph.FindCycle());
        Assert.Empty(graph.Dependencies("c"));
    }

    [Fact]
    public void Without_Plugin_RemovedButStillNamedAsDependency()
    {
        var graph = Graph(Chain).Without("c");

        Assert.Equal(["a", "b"], graph.Plugins);
        Assert.Equal(["c"], graph.MissingDependencies("b", graph.Plugins));
        Assert.Equal(["a", "b"], graph.Dependents("c"));
    }

    [Fact]
    public void FromManifests_ValidatedManifests_EdgesFromDeclaredDependencies()
    {
        var manifests = new[] { PluginSetup.Manifest("claims-gateway", "1.0.0", "user-management"), PluginSetup.Manifest("user-management"), PluginSetup.Manifest("echo") }
            .Select(manifest => ManifestValidator.Validate(manifest.ToJsonString()).Manifest!)
            .ToList();

        var graph = DependencyGraph.FromManifests(manifests);

        Assert.Equal(["claims-gateway", "echo", "user-management"], graph.Plugins);
        Assert.Equal(["claims-gateway"], graph.Dependents("user-management"));
        Assert.Equal(["echo", "user-management", "claims-gateway"], graph.TopologicalOrder());
        Assert.Equal(["claims-gateway"], graph.CascadeOrder("user-management", graph.Plugins));
    }

    [Fact]
    public void FromManifests_DuplicateId_Throws()
    {
        var echo = ManifestValidator.Validate(PluginSetup.Manifest("echo").ToJsonString()).Manifest!;

        Assert.Throws<ArgumentException>(() => DependencyGraph.FromManifests([echo, echo]));
    }

    private static DependencyGraph Graph(string text)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (plugin, dependencies) = (entry.Split(':')[0], entry.Split(':')[1]);
            map.Add(plugin, dependencies.Split(',', StringSplitOptions.RemoveEmptyEntries));
        }

        return new DependencyGraph(map);
    }
}
