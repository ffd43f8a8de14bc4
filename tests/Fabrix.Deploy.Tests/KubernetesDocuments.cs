using k8s;
using k8s.Models;

namespace Fabrix.Deploy.Tests;

/// <summary>Reads deploy/kubernetes: strict Kubernetes objects, Kustomizations, and the documents each one names.</summary>
internal static class KubernetesDocuments
{
    public static string Root { get; } = Path.Combine(FindRepositoryRoot(), "deploy", "kubernetes");

    /// <summary>Every Kustomization directory: the base and the overlays.</summary>
    public static IEnumerable<string> KustomizationDirectories() =>
        Directory.EnumerateFiles(Root, "kustomization.yaml", SearchOption.AllDirectories).Select(f => Path.GetDirectoryName(f)!).Order(StringComparer.Ordinal);

    /// <summary>Every YAML file that holds Kubernetes objects (everything but kustomization.yaml).</summary>
    public static IEnumerable<string> ObjectFiles() =>
        Directory.EnumerateFiles(Root, "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// Strict: an unknown field or a value of the wrong type throws (KubernetesClient 21's
    /// <c>LoadAllFromString(content, typeMap, strict)</c>), as does a kind it does not know.
    /// </summary>
    public static List<object> LoadStrict(string yaml) => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);

    /// <summary>The full objects of the base: the files its kustomization lists as resources (patches are partial).</summary>
    public static List<object> BaseResources() => [.. ResourcesOf(Path.Combine(Root, "base"))];

    /// <summary>The documents of every file a Kustomization lists as a resource, following directory resources.</summary>
    public static IEnumerable<object> ResourcesOf(string directory)
    {
        foreach (var resource in Kustomization.Load(directory).Resources)
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            if (Directory.Exists(path))
            {
                foreach (var document in ResourcesOf(path))
                {
                    yield return document;
                }
            }
            else
            {
                foreach (var document in LoadStrict(File.ReadAllText(path)))
                {
                    yield return document;
                }
            }
        }
    }

    /// <summary>The pod templates of workloads, with the workload's name and namespace.</summary>
    public static IEnumerable<(string Name, string? Namespace, V1PodSpec Pod)> PodSpecs(IEnumerable<object> documents)
    {
        foreach (var document in documents)
        {
            switch (document)
            {
                case V1Deployment d:
                    yield return ($"Deployment/{d.Metadata.Name}", d.Metadata.NamespaceProperty, d.Spec.Template.Spec);
                    break;
                case V1StatefulSet s:
                    yield return ($"StatefulSet/{s.Metadata.Name}", s.Metadata.NamespaceProperty, s.Spec.Template.Spec);
                    break;
                case V1DaemonSet ds:
                    yield return ($"DaemonSet/{ds.Metadata.Name}", ds.Metadata.NamespaceProperty, ds.Spec.Template.Spec);
                    break;
                case V1Pod p:
                    yield return ($"Pod/{p.Metadata.Name}", p.Metadata.NamespaceProperty, p.Spec);
                    break;
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fabrix.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Fabrix.sln not found above " + AppContext.BaseDirectory);
    }
}
