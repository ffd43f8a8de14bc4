using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Dependencies;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// The dependency graph of the installed plugins (any status) at one moment, built from the pinned manifests'
/// <c>dependencies</c> with <see cref="DependencyGraph"/>.
/// </summary>
internal sealed class DependencySnapshot
{
    private readonly Dictionary<string, PluginState> _status;

    public DependencySnapshot(IReadOnlyList<InstalledDependencies> plugins)
    {
        _status = plugins.ToDictionary(p => p.Id, p => p.Status, StringComparer.Ordinal);
        Graph = new DependencyGraph(plugins.ToDictionary(p => p.Id, p => p.Dependencies, StringComparer.Ordinal));
        ActiveIds = new HashSet<string>(plugins.Where(p => p.Status == PluginState.Active).Select(p => p.Id), StringComparer.Ordinal);
    }

    public DependencyGraph Graph { get; }

    public IReadOnlySet<string> ActiveIds { get; }

    public PluginState StatusOf(string id) => _status.GetValueOrDefault(id, PluginState.NotInstalled);

    public bool IsInstalled(string id) => _status.ContainsKey(id);
}

/// <summary>
/// Issue 3 section 2, enforced by the registry: on install, upgrade and rollback every dependency must be installed
/// and no dependency cycle may form; disable and unregister are refused while active plugins depend on the plugin
/// unless the administrator asks for a cascade; uninstall is refused while installed plugins declare it. Enabling
/// (with its "every dependency active" rule) is <see cref="ActivationRules"/>.
/// </summary>
/// <remarks>
/// Every operation that reads these facts to decide, or changes them — install, upgrade, rollback, uninstall,
/// enable, disable, unregister, and registration (which may enable) — first takes the transaction-level advisory lock
/// <see cref="LockKey"/>, then the plugin's own lock. The decisions span several plugins (enabling b reads a's
/// status while disabling a reads b's), so per-plugin locks alone would let two such decisions pass each other; one
/// lock, always taken first, serializes them without deadlocks. Token renewal and heartbeats do not take it.
/// </remarks>
internal static class DependencyRules
{
    public const string LockKey = "fabrix.registry.dependencies";

    /// <summary>Takes <see cref="LockKey"/> until the transaction ends. Call before any plugin lock.</summary>
    public static Task LockAsync(RegistryTransaction transaction, CancellationToken cancellationToken) =>
        transaction.LockAsync(LockKey, cancellationToken);

    public static async Task<DependencySnapshot> LoadAsync(RegistryTransaction transaction, CancellationToken cancellationToken) =>
        new(await PluginStore.ListDependenciesAsync(transaction, cancellationToken));

    /// <summary>The dependencies <paramref name="candidate"/> declares that are not installed, in declaration order.</summary>
    public static IReadOnlyList<string> Missing(DependencySnapshot snapshot, PluginManifest candidate) =>
        [.. candidate.Dependencies.Where(d => !snapshot.IsInstalled(d) && !string.Equals(d, candidate.Id, StringComparison.Ordinal))];

    /// <summary>
    /// A cycle among the plugins <paramref name="candidate"/> would reach through its dependencies once it is the
    /// pinned manifest of its plugin, or null. A cycle elsewhere does not concern this plugin and is not reported.
    /// </summary>
    public static DependencyCycle? Cycle(DependencySnapshot snapshot, PluginManifest candidate) =>
        CycleReachableFrom(snapshot.Graph.With(candidate.Id, candidate.Dependencies), candidate.Id);

    /// <summary>
    /// Null when <paramref name="candidate"/> may become the pinned manifest of its plugin as far as dependencies
    /// go; otherwise the refusal: missing dependencies first (each at its JSON path), then a cycle.
    /// </summary>
    public static Refusal? CheckCandidate(DependencySnapshot snapshot, PluginManifest candidate)
    {
        var missing = Missing(snapshot, candidate);
        if (missing.Count > 0)
        {
            var violations = candidate.Dependencies
                .Select((dependency, index) => (dependency, index))
                .Where(d => missing.Contains(d.dependency, StringComparer.Ordinal))
                .Select(d => new FieldViolation($"$.dependencies[{d.index}]", $"The dependency '{d.dependency}' is not installed."))
                .ToList();
            return new Refusal(RefusalKind.FailedPrecondition, RefusalCodes.DependenciesNotInstalled,
                $"Plugin '{candidate.Id}' {candidate.Version} depends on plugins that are not installed: {string.Join(", ", missing)}. Install them first.",
                violations);
        }

        return Cycle(snapshot, candidate) is { } cycle ? CycleRefusal(candidate.Id, candidate.Version, cycle) : null;
    }

    /// <summary>
    /// The active plugins that depend on <paramref name="pluginId"/> directly or transitively, in the order a cascade
    /// disables them (dependents of dependents first, <see cref="DependencyGraph.CascadeOrder"/>); or the refusal when
    /// those dependents form a cycle (no such order exists).
    /// </summary>
    public static (IReadOnlyList<string> Dependents, Refusal? Refusal) ActiveDependents(DependencySnapshot snapshot, string pluginId)
    {
        try
        {
            return (snapshot.Graph.CascadeOrder(pluginId, snapshot.ActiveIds), null);
        }
        catch (DependencyCycleException exception)
        {
            return ([], new Refusal(RefusalKind.FailedPrecondition, RefusalCodes.DependencyCycle,
                $"The plugins that depend on '{pluginId}' form a dependency cycle: {exception.Cycle.Text}. Break it by upgrading or rolling back one of them.",
                [new FieldViolation("$.dependencies", exception.Cycle.Text)]));
        }
    }

    /// <summary>Refusal for a plugin whose dependencies (would) close <paramref name="cycle"/>.</summary>
    public static Refusal CycleRefusal(string pluginId, string version, DependencyCycle cycle) =>
        new(RefusalKind.FailedPrecondition, RefusalCodes.DependencyCycle,
            $"Plugin '{pluginId}' {version} is in a dependency cycle: {cycle.Text}.",
            [new FieldViolation("$.dependencies", $"The dependencies form a cycle: {cycle.Text}.")]);

    /// <summary>A cycle among the plugins reachable from <paramref name="pluginId"/> (itself included), or null.</summary>
    public static DependencyCycle? CycleReachableFrom(DependencyGraph graph, string pluginId)
    {
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([pluginId]);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (reachable.Add(id))
            {
                foreach (var dependency in graph.Dependencies(id))
                {
                    pending.Push(dependency);
                }
            }
        }

        return new DependencyGraph(reachable.Where(graph.Contains).ToDictionary(id => id, graph.Dependencies, StringComparer.Ordinal)).FindCycle();
    }
}
