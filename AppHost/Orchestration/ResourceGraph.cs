using Fabrix.AppHost.Model;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Start order: a topological order of the dependency graph (dependencies first; among independent resources, the
/// order of declaration). Stop order: its reverse, so children stop before what they depend on.
/// </summary>
internal static class ResourceGraph
{
    public static IReadOnlyList<IResource> StartOrder(IReadOnlyList<IResource> resources)
    {
        var declared = resources.ToHashSet();
        foreach (var resource in resources)
        {
            foreach (var dependency in resource.Dependencies)
            {
                if (!declared.Contains(dependency))
                {
                    throw new AppHostException($"{resource.Name} depends on {dependency.Name}, which is not part of this application");
                }
            }
        }

        var order = new List<IResource>(resources.Count);
        var done = new HashSet<IResource>();
        var path = new List<IResource>();
        foreach (var resource in resources)
        {
            Visit(resource, order, done, path);
        }

        return order;
    }

    public static IReadOnlyList<IResource> StopOrder(IReadOnlyList<IResource> resources) =>
        StartOrder(resources).Reverse().ToList();

    private static void Visit(IResource resource, List<IResource> order, HashSet<IResource> done, List<IResource> path)
    {
        if (done.Contains(resource))
        {
            return;
        }

        var onPath = path.IndexOf(resource);
        if (onPath >= 0)
        {
            var cycle = path.Skip(onPath).Append(resource).Select(r => r.Name);
            throw new AppHostException($"resources depend on each other in a cycle: {string.Join(" -> ", cycle)}");
        }

        path.Add(resource);
        foreach (var dependency in resource.Dependencies)
        {
            Visit(dependency, order, done, path);
        }

        path.RemoveAt(path.Count - 1);
        done.Add(resource);
        order.Add(resource);
    }
}
