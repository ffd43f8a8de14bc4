using k8s.Models;

namespace Fabrix.Deploy.Tests;

/// <summary>
/// The rules every Fabrix workload and network policy keeps (deploy/README.md). Each returns the violations found, so a
/// test can both assert that the repository has none and that a deliberately broken document is caught.
/// </summary>
internal static class Invariants
{
    public const string CoreNamespace = "fabrix-core";
    public const string PluginNamespace = "fabrix-plugins";

    /// <summary>Client, cluster, monitoring and leaf-node ports of NATS.</summary>
    private static readonly HashSet<int> NatsPorts = [4222, 6222, 8222, 7422];

    /// <summary>Limits and requests (cpu and memory), readiness and liveness probes, non-root, no escalation, no capabilities.</summary>
    public static List<string> ContainerViolations(string workload, V1PodSpec pod)
    {
        var violations = new List<string>();
        foreach (var container in (pod.InitContainers ?? []).Concat(pod.Containers ?? []))
        {
            var at = $"{workload} container {container.Name}";
            foreach (var resource in new[] { "cpu", "memory" })
            {
                if (container.Resources?.Limits?.ContainsKey(resource) != true)
                {
                    violations.Add($"{at}: no {resource} limit");
                }

                if (container.Resources?.Requests?.ContainsKey(resource) != true)
                {
                    violations.Add($"{at}: no {resource} request");
                }
            }

            if (container.ReadinessProbe is null)
            {
                violations.Add($"{at}: no readiness probe");
            }

            if (container.LivenessProbe is null)
            {
                violations.Add($"{at}: no liveness probe");
            }

            if ((container.SecurityContext?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) != true)
            {
                violations.Add($"{at}: runAsNonRoot is not true");
            }

            if (container.SecurityContext?.AllowPrivilegeEscalation != false)
            {
                violations.Add($"{at}: allowPrivilegeEscalation is not false");
            }

            if (container.SecurityContext?.Capabilities?.Drop?.Contains("ALL") != true)
            {
                violations.Add($"{at}: capabilities do not drop ALL");
            }

            if ((container.SecurityContext?.SeccompProfile ?? pod.SecurityContext?.SeccompProfile)?.Type != "RuntimeDefault")
            {
                violations.Add($"{at}: seccompProfile is not RuntimeDefault");
            }
        }

        return violations;
    }

    /// <summary>Namespaces without a policy that selects every pod and denies both ingress and egress.</summary>
    public static List<string> NamespacesWithoutDefaultDeny(IEnumerable<object> documents)
    {
        var list = documents.ToList();
        return list.OfType<V1Namespace>()
            .Select(n => n.Metadata.Name)
            .Where(name => !list.OfType<V1NetworkPolicy>().Any(p => p.Metadata.NamespaceProperty == name && IsDefaultDeny(p)))
            .Select(name => $"namespace {name} has no default-deny NetworkPolicy")
            .ToList();
    }

    public static bool IsDefaultDeny(V1NetworkPolicy policy) =>
        policy.Spec.PodSelector is { MatchLabels: null or { Count: 0 }, MatchExpressions: null or { Count: 0 } }
        && policy.Spec.PolicyTypes?.Contains("Ingress") == true
        && policy.Spec.PolicyTypes?.Contains("Egress") == true
        && (policy.Spec.Ingress is null || policy.Spec.Ingress.Count == 0)
        && (policy.Spec.Egress is null || policy.Spec.Egress.Count == 0);

    /// <summary>
    /// Egress a plugin-namespace policy must never allow: to every destination, to pods of its own namespace (other
    /// plugins), to every namespace, to NATS (by selector or port), or to an address range on any port.
    /// </summary>
    public static List<string> PluginEgressViolations(V1NetworkPolicy policy)
    {
        var violations = new List<string>();
        if (policy.Metadata.NamespaceProperty != PluginNamespace)
        {
            return violations;
        }

        var name = $"NetworkPolicy {PluginNamespace}/{policy.Metadata.Name}";
        foreach (var rule in policy.Spec.Egress ?? [])
        {
            if (rule.To is null || rule.To.Count == 0)
            {
                violations.Add($"{name}: an egress rule without 'to' allows every destination");
                continue;
            }

            if (rule.Ports?.Any(p => p.Port is { } port && int.TryParse(port.Value, out var number) && NatsPorts.Contains(number)) == true)
            {
                violations.Add($"{name}: egress to a NATS port");
            }

            foreach (var peer in rule.To)
            {
                if (peer.IpBlock is not null)
                {
                    if (rule.Ports is null || rule.Ports.Count == 0)
                    {
                        violations.Add($"{name}: egress to {peer.IpBlock.Cidr} on every port");
                    }

                    continue;
                }

                if (peer.NamespaceSelector is null)
                {
                    violations.Add($"{name}: egress to pods of its own namespace (other plugins)");
                    continue;
                }

                var namespaceName = Label(peer.NamespaceSelector, "kubernetes.io/metadata.name");
                if (namespaceName is null)
                {
                    violations.Add($"{name}: egress to namespaces chosen by a selector other than kubernetes.io/metadata.name");
                }
                else if (namespaceName == PluginNamespace)
                {
                    violations.Add($"{name}: egress to the plugin namespace itself");
                }
                else if (namespaceName == CoreNamespace
                    && (Label(peer.PodSelector, "app.kubernetes.io/name") is not { } app || app == "nats"))
                {
                    violations.Add($"{name}: egress to fabrix-core pods other than a named lane service (NATS included)");
                }
            }
        }

        return violations;
    }

    private static string? Label(V1LabelSelector? selector, string key) =>
        selector?.MatchLabels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}
