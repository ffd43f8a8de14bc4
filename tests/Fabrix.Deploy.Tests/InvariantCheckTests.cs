using k8s.Models;

namespace Fabrix.Deploy.Tests;

/// <summary>The checks themselves catch broken documents, so a passing manifest test means something.</summary>
public sealed class InvariantCheckTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: demo
          namespace: fabrix-core
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: demo
          template:
            metadata:
              labels:
                app: demo
            spec:
              containers:
                - name: demo
                  image: demo
        """;

    [Fact]
    public void StrictParse_UnknownField_Throws()
    {
        var yaml = Deployment.Replace("  replicas: 1", "  replica: 1", StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => KubernetesDocuments.LoadStrict(yaml));
    }

    [Fact]
    public void StrictParse_WrongType_Throws()
    {
        var yaml = Deployment.Replace("  replicas: 1", "  replicas: three", StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => KubernetesDocuments.LoadStrict(yaml));
    }

    [Fact]
    public void StrictParse_ValidDocument_Loads()
    {
        var deployment = Assert.IsType<V1Deployment>(Assert.Single(KubernetesDocuments.LoadStrict(Deployment)));

        Assert.Equal(1, deployment.Spec.Replicas);
    }

    [Fact]
    public void Kustomization_UnknownField_Throws()
    {
        const string yaml = """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resource:
              - a.yaml
            """;

        Assert.ThrowsAny<Exception>(() => Kustomization.Parse(yaml));
    }

    [Fact]
    public void ContainerViolations_BareContainer_ReportsEveryMissingRule()
    {
        var deployment = (V1Deployment)Assert.Single(KubernetesDocuments.LoadStrict(Deployment));

        var violations = Invariants.ContainerViolations("Deployment/demo", deployment.Spec.Template.Spec);

        Assert.Equal(
            [
                "Deployment/demo container demo: no cpu limit",
                "Deployment/demo container demo: no cpu request",
                "Deployment/demo container demo: no memory limit",
                "Deployment/demo container demo: no memory request",
                "Deployment/demo container demo: no readiness probe",
                "Deployment/demo container demo: no liveness probe",
                "Deployment/demo container demo: runAsNonRoot is not true",
                "Deployment/demo container demo: allowPrivilegeEscalation is not false",
                "Deployment/demo container demo: capabilities do not drop ALL",
                "Deployment/demo container demo: seccompProfile is not RuntimeDefault",
            ],
            violations);
    }

    [Fact]
    public void ContainerViolations_RegistryWithoutLimits_IsCaught()
    {
        var registry = KubernetesDocuments.BaseResources().OfType<V1Deployment>().Single(d => d.Metadata.Name == "registry");
        registry.Spec.Template.Spec.Containers[0].Resources.Limits = null;

        var violations = Invariants.ContainerViolations("Deployment/registry", registry.Spec.Template.Spec);

        Assert.Equal(["Deployment/registry container registry: no cpu limit", "Deployment/registry container registry: no memory limit"], violations);
    }

    [Fact]
    public void NamespacesWithoutDefaultDeny_PluginDenyRemoved_IsCaught()
    {
        var documents = KubernetesDocuments.BaseResources()
            .Where(d => d is not V1NetworkPolicy { Metadata: { Name: "default-deny", NamespaceProperty: Invariants.PluginNamespace } })
            .ToList();

        Assert.Equal(["namespace fabrix-plugins has no default-deny NetworkPolicy"], Invariants.NamespacesWithoutDefaultDeny(documents));
    }

    [Fact]
    public void NamespacesWithoutDefaultDeny_DenyThatAllowsIngress_IsCaught()
    {
        var documents = KubernetesDocuments.BaseResources();
        var deny = documents.OfType<V1NetworkPolicy>().Single(p => p.Metadata is { Name: "default-deny", NamespaceProperty: Invariants.CoreNamespace });
        deny.Spec.Ingress = [new V1NetworkPolicyIngressRule()];

        Assert.Equal(["namespace fabrix-core has no default-deny NetworkPolicy"], Invariants.NamespacesWithoutDefaultDeny(documents));
    }

    [Theory]
    [InlineData("""{"podSelector": {}}""", null, "egress to pods of its own namespace (other plugins)")]
    [InlineData("""{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "fabrix-plugins"}}}""", null, "egress to the plugin namespace itself")]
    [InlineData("""{"namespaceSelector": {}}""", null, "egress to namespaces chosen by a selector other than kubernetes.io/metadata.name")]
    [InlineData("""{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "fabrix-core"}}, "podSelector": {"matchLabels": {"app.kubernetes.io/name": "nats"}}}""", null, "egress to fabrix-core pods other than a named lane service (NATS included)")]
    [InlineData("""{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "fabrix-core"}}}""", null, "egress to fabrix-core pods other than a named lane service (NATS included)")]
    [InlineData("""{"ipBlock": {"cidr": "10.0.0.0/8"}}""", """[{"port": 4222}]""", "egress to a NATS port")]
    [InlineData("""{"ipBlock": {"cidr": "10.0.0.0/8"}}""", null, "egress to 10.0.0.0/8 on every port")]
    public void PluginEgressViolations_ForbiddenPeer_IsCaught(string peer, string? ports, string expected)
    {
        // YAML is a superset of JSON: the rule is written inline.
        var rule = ports is null ? $$"""{"to": [{{peer}}]}""" : $$"""{"to": [{{peer}}], "ports": {{ports}}}""";
        var yaml = $$"""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: broken
              namespace: fabrix-plugins
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress: [{{rule}}]
            """;
        var policy = (V1NetworkPolicy)Assert.Single(KubernetesDocuments.LoadStrict(yaml));

        Assert.Contains($"NetworkPolicy fabrix-plugins/broken: {expected}", Invariants.PluginEgressViolations(policy));
    }

    [Fact]
    public void PluginEgressViolations_RuleWithoutDestination_IsCaught()
    {
        var policy = KubernetesDocuments.BaseResources().OfType<V1NetworkPolicy>().Single(p => p.Metadata is { Name: "allow-lane-services-egress", NamespaceProperty: Invariants.PluginNamespace });
        policy.Spec.Egress.Add(new V1NetworkPolicyEgressRule());

        Assert.Equal(["NetworkPolicy fabrix-plugins/allow-lane-services-egress: an egress rule without 'to' allows every destination"], Invariants.PluginEgressViolations(policy));
    }
}
