namespace Fabrix.Core.Registry.Dependencies;

/// <summary>
/// Thrown by <see cref="DependencyGraph.TopologicalOrder"/> and <see cref="DependencyGraph.CascadeOrder"/> when the
/// graph has a cycle, so no order exists. Ask <see cref="DependencyGraph.FindCycle"/> first to refuse it as a value.
/// </summary>
internal sealed class DependencyCycleException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="cycle"/>.</summary>
    public DependencyCycleException(DependencyCycle cycle)
        : base("The plugin dependencies form a cycle: " + (cycle ?? throw new ArgumentNullException(nameof(cycle))).Text + ".")
    {
        Cycle = cycle;
    }

    /// <summary>The cycle that prevents an order.</summary>
    public DependencyCycle Cycle { get; }
}
