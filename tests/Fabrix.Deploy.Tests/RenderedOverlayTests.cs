using System.Diagnostics;
using k8s.Models;

namespace Fabrix.Deploy.Tests;

/// <summary>
/// The overlays as Kustomize builds them (<c>kubectl kustomize</c>), held to the same invariants as the base: a patch
/// could drop a probe or a limit, which the per-file checks would not see. Needs kubectl on the PATH; skipped, and
/// saying why, where it is missing.
/// </summary>
public sealed class RenderedOverlayTests
{
    [Theory]
    [InlineData("overlays/dev", 1, 1)]
    [InlineData("overlays/prod", 3, 1)]
    public async Task Overlay_Rendered_ParsesStrictlyAndKeepsEveryInvariant(string overlay, int registryReplicas, int consoleReplicas)
    {
        var documents = KubernetesDocuments.LoadStrict(await KustomizeAsync(overlay));

        var pods = KubernetesDocuments.PodSpecs(documents).ToList();
        Assert.Empty(pods.SelectMany(p => Invariants.ContainerViolations(p.Name, p.Pod)));
        Assert.Empty(Invariants.NamespacesWithoutDefaultDeny(documents));
        Assert.Empty(documents.OfType<V1NetworkPolicy>().SelectMany(Invariants.PluginEgressViolations));
        Assert.Equal(registryReplicas, documents.OfType<V1Deployment>().Single(d => d.Metadata.Name == "registry").Spec.Replicas);
        Assert.Equal(consoleReplicas, documents.OfType<V1Deployment>().Single(d => d.Metadata.Name == "console").Spec.Replicas);
        Assert.Equal(3, documents.OfType<V1StatefulSet>().Single(s => s.Metadata.Name == "nats").Spec.Replicas);
        Assert.All(pods.SelectMany(p => p.Pod.Containers), c => Assert.Contains(":", c.Image, StringComparison.Ordinal));
    }

    private static async Task<string> KustomizeAsync(string overlay)
    {
        var kubectl = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "kubectl"))
            .FirstOrDefault(File.Exists);
        Assert.SkipWhen(kubectl is null, "kubectl is not on the PATH; the rendered overlays were not checked.");

        var start = new ProcessStartInfo(kubectl!)
        {
            ArgumentList = { "kustomize", Path.Combine(KubernetesDocuments.Root, overlay) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {overlay} failed: {await error}");
        return await output;
    }
}
