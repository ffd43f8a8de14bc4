using k8s;
using k8s.Models;

namespace Fabrix.Deploy.Tests;

/// <summary>deploy/kubernetes parses strictly and keeps the invariants (issue 8 section 4).</summary>
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> ObjectFiles() => [.. KubernetesDocuments.ObjectFiles().Select(f => Path.GetRelativePath(KubernetesDocuments.Root, f))];

    public static TheoryData<string> KustomizationDirectories() => [.. KubernetesDocuments.KustomizationDirectories().Select(d => Path.GetRelativePath(KubernetesDocuments.Root, d))];

    [Fact]
    public void DeployKubernetes_Layout_HasBaseAndBothOverlays()
    {
        var directories = KubernetesDocuments.KustomizationDirectories().Select(d => Path.GetRelativePath(KubernetesDocuments.Root, d).Replace('\\', '/')).ToList();

        Assert.Equal(["base", "overlays/dev", "overlays/prod"], directories);
    }

    [Theory]
    [MemberData(nameof(ObjectFiles))]
    public void ObjectFile_StrictParse_EveryDocumentIsAKnownKubernetesObject(string file)
    {
        var documents = KubernetesDocuments.LoadStrict(File.ReadAllText(Path.Combine(KubernetesDocuments.Root, file)));

        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(d));
    }

    [Theory]
    [MemberData(nameof(KustomizationDirectories))]
    public void Kustomization_StrictParse_EveryReferencedFileExists(string directory)
    {
        var path = Path.Combine(KubernetesDocuments.Root, directory);

        var kustomization = Kustomization.Load(path);

        Assert.Equal("kustomize.config.k8s.io/v1beta1", kustomization.ApiVersion);
        Assert.Equal("Kustomization", kustomization.Kind);
        Assert.All(kustomization.ReferencedPaths(), referenced =>
        {
            var full = Path.GetFullPath(Path.Combine(path, referenced));
            Assert.True(File.Exists(full) || File.Exists(Path.Combine(full, "kustomization.yaml")), $"{directory}/kustomization.yaml names {referenced}, which does not exist");
        });
    }

    [Fact]
    public void ObjectFiles_EachIsNamedByAKustomization()
    {
        var named = KubernetesDocuments.KustomizationDirectories()
            .SelectMany(d => Kustomization.Load(d).ReferencedPaths().Select(p => Path.GetFullPath(Path.Combine(d, p))))
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(KubernetesDocuments.ObjectFiles(), f => Assert.Contains(f, named));
    }

    [Theory]
    [InlineData("overlays/dev")]
    [InlineData("overlays/prod")]
    public void OverlayPatches_SettingResources_SetLimitsAndRequestsTogether(string overlay)
    {
        var directory = Path.Combine(KubernetesDocuments.Root, overlay);
        var patches = Kustomization.Load(directory).Patches.SelectMany(p => KubernetesDocuments.LoadStrict(File.ReadAllText(Path.Combine(directory, p.Path))));

        var containers = KubernetesDocuments.PodSpecs(patches).SelectMany(p => p.Pod.Containers ?? []).Where(c => c.Resources is not null).ToList();

        Assert.NotEmpty(containers);
        Assert.All(containers, c =>
        {
            Assert.Equal(["cpu", "memory"], c.Resources.Limits.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(["cpu", "memory"], c.Resources.Requests.Keys.Order(StringComparer.Ordinal));
        });
    }

    [Fact]
    public void BaseWorkloads_EveryContainer_HasLimitsProbesAndNonRootSecurity()
    {
        var pods = KubernetesDocuments.PodSpecs(KubernetesDocuments.BaseResources()).ToList();

        Assert.Equal(["Deployment/console", "Deployment/events", "Deployment/gateway", "Deployment/proxy", "Deployment/registry", "StatefulSet/nats"], pods.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Empty(pods.SelectMany(p => Invariants.ContainerViolations(p.Name, p.Pod)));
    }

    [Fact]
    public void BaseWorkloads_CoreServices_ProbeHealthForReadinessAndAliveForLiveness()
    {
        var pods = KubernetesDocuments.PodSpecs(KubernetesDocuments.BaseResources()).Where(p => p.Name.StartsWith("Deployment/", StringComparison.Ordinal));

        Assert.All(pods.SelectMany(p => p.Pod.Containers), c =>
        {
            Assert.Equal("/health", c.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/alive", c.LivenessProbe.HttpGet.Path);
        });
    }

    [Fact]
    public void BaseWorkloads_ConnectionStrings_ComeFromSecrets()
    {
        var registry = KubernetesDocuments.BaseResources().OfType<V1Deployment>().Single(d => d.Metadata.Name == "registry").Spec.Template.Spec.Containers.Single();

        var connectionStrings = registry.Env.Where(e => e.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList();

        Assert.Equal(["ConnectionStrings__nats", "ConnectionStrings__registry"], connectionStrings.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(connectionStrings, e =>
        {
            Assert.Null(e.Value);
            Assert.NotNull(e.ValueFrom.SecretKeyRef);
        });
    }

    [Fact]
    public void BaseNats_ThreeJetStreamServers_EachWithItsOwnVolume()
    {
        var nats = KubernetesDocuments.BaseResources().OfType<V1StatefulSet>().Single(s => s.Metadata.Name == "nats");

        Assert.Equal(3, nats.Spec.Replicas);
        Assert.Equal("data", Assert.Single(nats.Spec.VolumeClaimTemplates).Metadata.Name);
        Assert.Contains(KubernetesDocuments.BaseResources().OfType<V1Service>(), s => s.Metadata.Name == nats.Spec.ServiceName && s.Spec.ClusterIP == "None");
    }

    [Fact]
    public void BaseNats_GoMemoryLimit_FollowsTheContainersMemoryLimit()
    {
        var nats = KubernetesDocuments.BaseResources().OfType<V1StatefulSet>().Single(s => s.Metadata.Name == "nats");
        var container = Assert.Single(nats.Spec.Template.Spec.Containers);

        Assert.True(container.Resources.Limits.ContainsKey("memory"), "the nats container needs a memory limit for GOMEMLIMIT to follow");
        var limit = Assert.Single(container.Env, e => e.Name == "GOMEMLIMIT").ValueFrom?.ResourceFieldRef;
        Assert.NotNull(limit);
        Assert.Equal("limits.memory", limit.Resource);
        Assert.Equal(container.Name, limit.ContainerName);
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("proxy")]
    [InlineData("events")]
    public void BaseLaneIdentity_PrivateKeyOnlyInItsLane_PublicKeyTrustedByTheRegistry(string lane)
    {
        var pods = KubernetesDocuments.PodSpecs(KubernetesDocuments.BaseResources()).ToDictionary(p => p.Name, p => p.Pod);
        var secretsByPod = pods.ToDictionary(p => p.Key, p => (p.Value.Volumes ?? []).Where(v => v.Secret is not null).Select(v => v.Secret.SecretName).ToList());

        Assert.Equal([$"Deployment/{lane}"], secretsByPod.Where(p => p.Value.Contains($"fabrix-lane-{lane}-identity")).Select(p => p.Key));
        Assert.Equal(["Deployment/registry"], secretsByPod.Where(p => p.Value.Contains("fabrix-lane-public-keys")).Select(p => p.Key));
        var registryConfig = KubernetesDocuments.BaseResources().OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "fabrix-registry").Data;
        Assert.Equal($"/var/run/fabrix/lanes/{lane}.pub.pem", registryConfig[$"Fabrix__Registry__ServiceIdentity__TrustedServices__{lane}"]);
        var laneConfig = KubernetesDocuments.BaseResources().OfType<V1ConfigMap>().Single(c => c.Metadata.Name == $"fabrix-{lane}").Data;
        Assert.Equal(lane, laneConfig["Fabrix__Lanes__Identity__Name"]);
        Assert.StartsWith("/var/run/fabrix/identity/", laneConfig["Fabrix__Lanes__Identity__KeyPath"], StringComparison.Ordinal);
    }

    [Fact]
    public void BaseNatsConfig_RequiresAuthentication_WithoutAnonymousUserOrInlinePassword()
    {
        var settings = File.ReadLines(Path.Combine(KubernetesDocuments.Root, "base", "nats", "nats.conf"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();

        Assert.DoesNotContain(settings, line => line.Contains("no_auth_user", StringComparison.Ordinal));
        Assert.Contains("jetstream: enabled", settings);
        var users = settings.Where(line => line.Contains("password:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["registry", "gateway", "proxy", "events"], users.Select(line => line.Split(',')[0]["{ user: ".Length..]));
        Assert.All(users, line => Assert.Matches(@"password: \$[A-Z]+_PASSWORD[ ,]", line));
    }

    [Fact]
    public void BaseNatsConfig_OnlyTheRegistryMayPublishOnTheControlSubjects()
    {
        var users = File.ReadLines(Path.Combine(KubernetesDocuments.Root, "base", "nats", "nats.conf"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("{ user:", StringComparison.Ordinal))
            .ToList();

        Assert.Equal("{ user: registry, password: $REGISTRY_PASSWORD }", Assert.Single(users, line => line.StartsWith("{ user: registry,", StringComparison.Ordinal)));
        Assert.All(users.Where(line => !line.StartsWith("{ user: registry,", StringComparison.Ordinal)),
            line => Assert.EndsWith(", permissions: { publish: { deny: [\"fabrix.control.>\"] } } }", line, StringComparison.Ordinal));
    }

    [Fact]
    public void BaseNamespaces_EachHasADefaultDenyPolicy()
    {
        var documents = KubernetesDocuments.BaseResources();

        Assert.Equal([Invariants.CoreNamespace, Invariants.PluginNamespace], documents.OfType<V1Namespace>().Select(n => n.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.Empty(Invariants.NamespacesWithoutDefaultDeny(documents));
    }

    [Fact]
    public void BasePluginPolicies_NeverAllowEgressToNatsOrOtherPlugins()
    {
        var policies = KubernetesDocuments.BaseResources().OfType<V1NetworkPolicy>().Where(p => p.Metadata.NamespaceProperty == Invariants.PluginNamespace).ToList();

        Assert.Contains(policies, p => p.Metadata.Name == "allow-lane-services-egress");
        Assert.Empty(policies.SelectMany(Invariants.PluginEgressViolations));
    }

    [Fact]
    public void BasePluginPolicies_EgressOnlyToTheLanesAndDns()
    {
        var policies = KubernetesDocuments.BaseResources().OfType<V1NetworkPolicy>().Where(p => p.Metadata.NamespaceProperty == Invariants.PluginNamespace).ToList();

        var peers = policies.SelectMany(p => p.Spec.Egress ?? []).SelectMany(rule => rule.To ?? []).ToList();

        Assert.All(peers, peer => Assert.Null(peer.IpBlock));
        Assert.Equal(["events", "gateway", "kube-dns", "proxy", "registry"],
            peers.Select(peer => peer.PodSelector.MatchLabels.TryGetValue("app.kubernetes.io/name", out var name) ? name : peer.PodSelector.MatchLabels["k8s-app"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BaseProxyPolicy_InternetOnlyOnPublicAddresses_PluginsMayConnect()
    {
        var proxy = KubernetesDocuments.BaseResources().OfType<V1NetworkPolicy>().Single(p => p.Metadata.Name == "proxy" && p.Metadata.NamespaceProperty == Invariants.CoreNamespace);

        var blocks = proxy.Spec.Egress.SelectMany(rule => rule.To ?? []).Where(peer => peer.IpBlock is not null).Select(peer => peer.IpBlock).ToList();

        var v4 = Assert.Single(blocks, b => b.Cidr == "0.0.0.0/0");
        Assert.Superset(new HashSet<string> { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10" }, v4.Except.ToHashSet());
        Assert.Contains(blocks, b => b.Cidr == "2000::/3");
        var from = Assert.Single(proxy.Spec.Ingress).FromProperty.Single();
        Assert.Equal(Invariants.PluginNamespace, from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void BaseGateway_H2cEndpointForGrpc_ServedAndReachableFromPlugins()
    {
        var resources = KubernetesDocuments.BaseResources();
        var configMap = resources.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "fabrix-gateway");
        var service = resources.OfType<V1Service>().Single(s => s.Metadata.Name == "gateway");
        var container = resources.OfType<V1Deployment>().Single(d => d.Metadata.Name == "gateway").Spec.Template.Spec.Containers.Single();
        var ingress = resources.OfType<V1NetworkPolicy>().Single(p => p.Metadata.Name == "gateway" && p.Metadata.NamespaceProperty == Invariants.CoreNamespace).Spec.Ingress;
        var pluginEgress = resources.OfType<V1NetworkPolicy>().Single(p => p.Metadata.Name == "allow-lane-services-egress").Spec.Egress
            .Single(rule => rule.To.Any(peer => peer.PodSelector?.MatchLabels is { } labels && labels.TryGetValue("app.kubernetes.io/name", out var name) && name == "gateway"));

        Assert.Equal(("http://0.0.0.0:8082", "Http2"), (configMap.Data["Kestrel__Endpoints__H2c__Url"], configMap.Data["Kestrel__Endpoints__H2c__Protocols"]));
        Assert.Contains(container.Ports, port => port.Name == "h2c" && port.ContainerPort == 8082);
        Assert.Contains(service.Spec.Ports, port => port.Name == "h2c" && port.Port == 8082 && port.TargetPort == "h2c");
        Assert.Contains(ingress, rule => rule.FromProperty.Any(peer => peer.NamespaceSelector?.MatchLabels is { } labels && labels.TryGetValue("kubernetes.io/metadata.name", out var name) && name == Invariants.PluginNamespace)
            && rule.Ports.Any(port => port.Port == "8082"));
        Assert.Contains(pluginEgress.Ports, port => port.Port == "8082");
    }

    [Fact]
    public void BaseEventsPolicy_PluginsMayReachHttpAndGrpc_ItReachesRegistryNatsPluginsHttpPortAndPublicAddressesOnly()
    {
        var events = KubernetesDocuments.BaseResources().OfType<V1NetworkPolicy>().Single(p => p.Metadata.Name == "events" && p.Metadata.NamespaceProperty == Invariants.CoreNamespace);

        var ingress = Assert.Single(events.Spec.Ingress);
        Assert.Equal(Invariants.PluginNamespace, ingress.FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        Assert.Equal(["8080", "8081"], ingress.Ports.Select(p => p.Port.Value).Order(StringComparer.Ordinal));
        var peers = events.Spec.Egress.SelectMany(rule => rule.To).ToList();
        Assert.Equal(["nats", "registry"], peers.Where(peer => peer.NamespaceSelector is null && peer.IpBlock is null).Select(peer => peer.PodSelector.MatchLabels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal));
        // Webhooks: public addresses only (no private, loopback, link-local or carrier-grade NAT range), in one rule.
        var webhooks = Assert.Single(events.Spec.Egress, rule => rule.To.Any(peer => peer.IpBlock is not null));
        Assert.All(webhooks.To, peer => Assert.NotNull(peer.IpBlock));
        var v4 = Assert.Single(webhooks.To, peer => peer.IpBlock.Cidr == "0.0.0.0/0").IpBlock;
        Assert.Subset(v4.Except.ToHashSet(StringComparer.Ordinal), new HashSet<string>(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10"], StringComparer.Ordinal));
        Assert.Equal(["0.0.0.0/0", "2000::/3"], webhooks.To.Select(peer => peer.IpBlock.Cidr).Order(StringComparer.Ordinal));
        var push = Assert.Single(events.Spec.Egress, rule => rule.To.Any(peer => peer.NamespaceSelector is not null));
        Assert.Equal(Invariants.PluginNamespace, Assert.Single(push.To).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        Assert.Equal(("TCP", "http"), (Assert.Single(push.Ports).Protocol, push.Ports[0].Port.Value));
    }

    [Fact]
    public void BaseCorePolicies_EgressToPlugins_OnlyRegistryGatewayAndEventsPush()
    {
        var policies = KubernetesDocuments.BaseResources().OfType<V1NetworkPolicy>().Where(p => p.Metadata.NamespaceProperty == Invariants.CoreNamespace).ToList();

        var reachingPlugins = policies.Where(p => (p.Spec.Egress ?? []).SelectMany(rule => rule.To ?? [])
            .Any(peer => peer.NamespaceSelector?.MatchLabels is { } labels && labels.TryGetValue("kubernetes.io/metadata.name", out var name) && name == Invariants.PluginNamespace));

        Assert.Equal(["events", "gateway", "registry"], reachingPlugins.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BaseRegistry_EventsDeliveryService_IsCoreEventsIdentity()
    {
        var configMaps = KubernetesDocuments.BaseResources().OfType<V1ConfigMap>().ToList();

        var identity = configMaps.Single(c => c.Metadata.Name == "fabrix-events").Data["Fabrix__Lanes__Identity__Name"];
        var deliveryService = configMaps.Single(c => c.Metadata.Name == "fabrix-registry").Data["Fabrix__Registry__Webhooks__DeliveryService"];

        // Otherwise the registry refuses Core.Events' PushTargets and WebhookTargets reads: no push, no webhook.
        Assert.Equal(identity, deliveryService);
    }

    [Fact]
    public void BaseEvents_NatsAdmitsItAndTheServiceExposesGrpcOverH2c()
    {
        var documents = KubernetesDocuments.BaseResources();
        var nats = documents.OfType<V1NetworkPolicy>().Single(p => p.Metadata.Name == "nats" && p.Metadata.NamespaceProperty == Invariants.CoreNamespace);
        var service = documents.OfType<V1Service>().Single(s => s.Metadata.Name == "events");
        var config = documents.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "fabrix-events").Data;

        Assert.Contains(nats.Spec.Ingress.SelectMany(rule => rule.FromProperty), peer => peer.PodSelector?.MatchLabels["app.kubernetes.io/name"] == "events");
        Assert.Equal("kubernetes.io/h2c", service.Spec.Ports.Single(p => p.Name == "grpc").AppProtocol);
        Assert.Equal(("http://0.0.0.0:8081", "Http2"), (config["Kestrel__Endpoints__Grpc__Url"], config["Kestrel__Endpoints__Grpc__Protocols"]));
    }

    [Fact]
    public void BaseObjects_AllLiveInTheFabrixNamespaces()
    {
        var namespaced = KubernetesDocuments.BaseResources().Cast<IKubernetesObject<V1ObjectMeta>>().Where(o => o is not V1Namespace);

        Assert.All(namespaced, o => Assert.Contains(o.Metadata.NamespaceProperty, new[] { Invariants.CoreNamespace, Invariants.PluginNamespace }));
    }
}
