using Fabrix.Contracts.Manifests;

namespace Fabrix.Core.Registry.Dependencies;

/// <summary>
/// The plugin dependency graph (issue 3 section 2): each plugin id and the ids it declares in
/// <c>dependencies</c>. An immutable snapshot; <see cref="With"/> returns a changed copy, so the registry can ask
/// "would installing this manifest close a cycle?" without touching the graph it holds.
/// </summary>
/// <remarks>
/// <para>Every answer is deterministic: ids are compared ordinally, and wherever the graph leaves a choice (start
/// points, the order of dependencies, ties in an ordering) the ordinally smaller id goes first.</para>
/// <para>A dependency id that is not itself a plugin of the graph (not installed) is a leaf: it has no
/// dependencies, takes part in <see cref="Dependents"/> and <see cref="DirectDependents"/>, and is reported by
/// <see cref="MissingDependencies"/>; it never appears in <see cref="Plugins"/> or <see cref="TopologicalOrder"/>.</para>
/// </remarks>
internal sealed class DependencyGraph
{
    /// <summary>The arrow used between ids when a path is written out: <c>a → b → a</c>.</summary>
    public const string Arrow = " → ";

    private readonly Dictionary<string, string[]> _dependencies;
    private readonly Dictionary<string, string[]> _dependents;

    /// <summary>
    /// Builds the graph from plugin id → declared dependency ids. Duplicate dependency ids are collapsed; a plugin
    /// listing itself is kept (the validator refuses it, but the graph reports it as the cycle <c>a → a</c>).
    /// </summary>
    public DependencyGraph(IReadOnlyDictionary<string, IReadOnlyList<string>> dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        _dependencies = new Dictionary<string, string[]>(dependencies.Count, StringComparer.Ordinal);
        foreach (var (id, declared) in dependencies)
        {
            ArgumentException.ThrowIfNullOrEmpty(id, nameof(dependencies));
            ArgumentNullException.ThrowIfNull(declared, nameof(dependencies));
            if (declared.Any(string.IsNullOrEmpty))
            {
                throw new ArgumentException($"The plugin '{id}' lists an empty dependency id.", nameof(dependencies));
            }

            _dependencies.Add(id, [.. declared.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
        }

        _dependents = _dependencies
            .SelectMany(plugin => plugin.Value.Select(dependency => (Dependency: dependency, Dependent: plugin.Key)))
            .GroupBy(edge => edge.Dependency, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(edge => edge.Dependent).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        Plugins = [.. _dependencies.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>An empty graph.</summary>
    public static DependencyGraph Empty { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>The plugins of the graph, ordinally sorted.</summary>
    public IReadOnlyList<string> Plugins { get; }

    /// <summary>Builds the graph from manifests (one per plugin: the installed or pinned version).</summary>
    /// <exception cref="ArgumentException">Two manifests share an id.</exception>
    public static DependencyGraph FromManifests(IEnumerable<PluginManifest> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            if (!map.TryAdd(manifest.Id, manifest.Dependencies))
            {
                throw new ArgumentException($"The plugin '{manifest.Id}' appears more than once; give one manifest per plugin.", nameof(manifests));
            }
        }

        return new DependencyGraph(map);
    }

    /// <summary>A copy of this graph in which <paramref name="pluginId"/> declares <paramref name="dependencies"/> (added or replaced).</summary>
    public DependencyGraph With(string pluginId, IReadOnlyList<string> dependencies)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginId);
        ArgumentNullException.ThrowIfNull(dependencies);
        var map = _dependencies.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
        map[pluginId] = dependencies;
        return new DependencyGraph(map);
    }

    /// <summary>A copy of this graph without <paramref name="pluginId"/> (its id stays wherever others depend on it).</summary>
    public DependencyGraph Without(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        var map = _dependencies
            .Where(p => !string.Equals(p.Key, pluginId, StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
        return new DependencyGraph(map);
    }

    /// <summary>True when <paramref name="pluginId"/> is a plugin of the graph.</summary>
    public bool Contains(string pluginId) => _dependencies.ContainsKey(pluginId);

    /// <summary>The ids <paramref name="pluginId"/> declares, ordinally sorted; empty for an id that is not a plugin of the graph.</summary>
    public IReadOnlyList<string> Dependencies(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return _dependencies.TryGetValue(pluginId, out var dependencies) ? dependencies : [];
    }

    /// <summary>The plugins that list <paramref name="pluginId"/> in their dependencies, ordinally sorted.</summary>
    public IReadOnlyList<string> DirectDependents(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        return _dependents.TryGetValue(pluginId, out var dependents) ? dependents : [];
    }

    /// <summary>
    /// Every plugin that depends on <paramref name="pluginId"/> directly or through other plugins, ordinally
    /// sorted, without <paramref name="pluginId"/> itself (even when a cycle leads back to it).
    /// </summary>
    public IReadOnlyList<string> Dependents(string pluginId)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        var found = ReachableDependents(pluginId);
        found.Remove(pluginId);
        return [.. found.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The dependencies <paramref name="pluginId"/> declares that are not in <paramref name="installedIds"/>, in
    /// ordinal order (direct dependencies only: each installed plugin's own dependencies were checked when it was
    /// installed).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pluginId"/> is not a plugin of the graph.</exception>
    public IReadOnlyList<string> MissingDependencies(string pluginId, IEnumerable<string> installedIds)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(installedIds);
        if (!_dependencies.TryGetValue(pluginId, out var dependencies))
        {
            throw new ArgumentException($"'{pluginId}' is not a plugin of this dependency graph.", nameof(pluginId));
        }

        var installed = installedIds as IReadOnlySet<string> ?? new HashSet<string>(installedIds, StringComparer.Ordinal);
        return [.. dependencies.Where(d => !installed.Contains(d))];
    }

    /// <summary>
    /// The first dependency cycle, or null when the graph has none. Start points are tried in ordinal order and
    /// dependencies followed in ordinal order; the cycle found is then rotated to begin at its ordinally smallest
    /// id, so the same cycle is always named the same way (<c>a → b → c → a</c>).
    /// </summary>
    public DependencyCycle? FindCycle() => FindCycleFrom(Plugins, static _ => true);

    /// <summary>
    /// Every plugin of the graph, each after all of its dependencies (the start-up order). Among plugins whose
    /// dependencies are all placed, the ordinally smallest goes first. Dependencies that are not plugins of the
    /// graph are ignored here; check them with <see cref="MissingDependencies"/>.
    /// </summary>
    /// <exception cref="DependencyCycleException">The graph has a cycle (named as by <see cref="FindCycle"/>).</exception>
    public IReadOnlyList<string> TopologicalOrder() =>
        KahnOrder(Plugins, id => _dependencies[id].Where(_dependencies.ContainsKey), FindCycle);

    /// <summary>
    /// The plugins of <paramref name="activeIds"/> that depend on <paramref name="pluginId"/> directly or
    /// transitively, in reverse topological order: every plugin comes before each plugin it depends on (dependents
    /// of dependents first; ties ordinal). Disabling them in this order, then <paramref name="pluginId"/>, never leaves
    /// an active plugin with a disabled dependency (issue 3 section 2, cascade). Transitive dependence is followed
    /// through inactive plugins too, so an active plugin whose chain to <paramref name="pluginId"/> passes through a
    /// disabled one is still included. <paramref name="pluginId"/> itself is never in the result.
    /// </summary>
    /// <exception cref="DependencyCycleException">The dependents of <paramref name="pluginId"/> form a cycle.</exception>
    public IReadOnlyList<string> CascadeOrder(string pluginId, IEnumerable<string> activeIds)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(activeIds);
        var active = activeIds as IReadOnlySet<string> ?? new HashSet<string>(activeIds, StringComparer.Ordinal);

        var dependents = ReachableDependents(pluginId);
        if (dependents.Contains(pluginId))
        {
            // pluginId depends on itself through its dependents: no order can disable "dependents first".
            throw new DependencyCycleException(CycleAmong(dependents));
        }

        // Order the whole set of dependents (active or not) so that constraints passing through inactive plugins hold,
        // then keep the active ones: a sub-sequence of a valid order is still valid.
        var order = KahnOrder(
            dependents.Order(StringComparer.Ordinal).ToList(),
            id => DirectDependents(id).Where(dependents.Contains),
            () => CycleAmong(dependents));
        return [.. order.Where(active.Contains)];
    }

    private HashSet<string> ReachableDependents(string pluginId)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([pluginId]);
        while (pending.Count > 0)
        {
            foreach (var dependent in DirectDependents(pending.Pop()))
            {
                if (found.Add(dependent))
                {
                    pending.Push(dependent);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Kahn's algorithm over <paramref name="nodes"/>: a node is placed once every node <paramref name="before"/>
    /// names (all within <paramref name="nodes"/>) is placed; the ordinally smallest ready node goes first.
    /// </summary>
    private static List<string> KahnOrder(IReadOnlyList<string> nodes, Func<string, IEnumerable<string>> before, Func<DependencyCycle?> cycle)
    {
        var waitingOn = nodes.ToDictionary(n => n, n => before(n).Count(), StringComparer.Ordinal);
        var unlocks = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var prerequisite in before(node))
            {
                if (!unlocks.TryGetValue(prerequisite, out var list))
                {
                    unlocks[prerequisite] = list = [];
                }

                list.Add(node);
            }
        }

        var ready = new SortedSet<string>(waitingOn.Where(n => n.Value == 0).Select(n => n.Key), StringComparer.Ordinal);
        var order = new List<string>(nodes.Count);
        while (ready.Count > 0)
        {
            var next = ready.Min!;
            ready.Remove(next);
            order.Add(next);
            foreach (var unlocked in unlocks.GetValueOrDefault(next) ?? [])
            {
                if (--waitingOn[unlocked] == 0)
                {
                    ready.Add(unlocked);
                }
            }
        }

        if (order.Count < nodes.Count)
        {
            throw new DependencyCycleException(cycle() ?? throw new InvalidOperationException("Kahn's algorithm stalled without a cycle."));
        }

        return order;
    }

    private enum VisitState
    {
        OnPath,
        Done,
    }

    /// <summary>A cycle whose members all lie in <paramref name="scope"/> (which must hold one).</summary>
    private DependencyCycle CycleAmong(HashSet<string> scope) =>
        FindCycleFrom([.. scope.Order(StringComparer.Ordinal)], scope.Contains)
        ?? throw new InvalidOperationException("Expected a dependency cycle among " + string.Join(", ", scope.Order(StringComparer.Ordinal)) + ".");

    private DependencyCycle? FindCycleFrom(IReadOnlyList<string> starts, Func<string, bool> inScope)
    {
        var state = new Dictionary<string, VisitState>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var start in starts)
        {
            if (!state.ContainsKey(start) && Visit(start, inScope, state, path) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private DependencyCycle? Visit(string id, Func<string, bool> inScope, Dictionary<string, VisitState> state, List<string> path)
    {
        // Iterative depth-first search: a long dependency chain must not overflow the stack.
        var frames = new Stack<(string Id, int Next)>();
        state[id] = VisitState.OnPath;
        path.Add(id);
        frames.Push((id, 0));
        while (frames.Count > 0)
        {
            var (current, next) = frames.Pop();
            var dependencies = Dependencies(current);
            if (next == dependencies.Count)
            {
                state[current] = VisitState.Done;
                path.RemoveAt(path.Count - 1);
                continue;
            }

            frames.Push((current, next + 1));
            var dependency = dependencies[next];
            if (!inScope(dependency))
            {
                continue;
            }

            if (!state.TryGetValue(dependency, out var seen))
            {
                state[dependency] = VisitState.OnPath;
                path.Add(dependency);
                frames.Push((dependency, 0));
            }
            else if (seen == VisitState.OnPath)
            {
                return DependencyCycle.Rotated(path[path.IndexOf(dependency)..]);
            }
        }

        return null;
    }
}
