namespace Fabrix.Core.Registry.Dependencies;

/// <summary>
/// A dependency cycle (issue 3 section 2: "a cycle anywhere in the graph is refused with the cycle named").
/// </summary>
internal sealed record DependencyCycle
{
    private DependencyCycle(IReadOnlyList<string> plugins)
    {
        Plugins = plugins;
        Path = [.. plugins, plugins[0]];
        Text = string.Join(DependencyGraph.Arrow, Path);
    }

    /// <summary>
    /// The plugins of the cycle, each once, in dependency order: each depends on the next, and the last on the
    /// first. Begins with the ordinally smallest id.
    /// </summary>
    public IReadOnlyList<string> Plugins { get; }

    /// <summary>The closed path: <see cref="Plugins"/> followed by the first plugin again, e.g. <c>[a, b, c, a]</c>.</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>The cycle written out, e.g. <c>a → b → c → a</c> (a self-dependency is <c>a → a</c>).</summary>
    public string Text { get; }

    /// <summary>Returns <see cref="Text"/>.</summary>
    public override string ToString() => Text;

    /// <summary>A cycle from the ids on a path (each depending on the next, the last on the first), rotated to start at the ordinally smallest.</summary>
    internal static DependencyCycle Rotated(IReadOnlyList<string> members)
    {
        var start = 0;
        for (var i = 1; i < members.Count; i++)
        {
            if (string.CompareOrdinal(members[i], members[start]) < 0)
            {
                start = i;
            }
        }

        return new DependencyCycle([.. members.Skip(start), .. members.Take(start)]);
    }
}
