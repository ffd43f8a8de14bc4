using System.Globalization;
using Fabrix.Contracts.Manifests;
using k8s;
using k8s.Models;

namespace Fabrix.Cli.Deploy;

/// <summary>
/// A plugin's Deployment, Service and NetworkPolicy, built from its validated manifest (issue 8 section 4). The
/// manifest's <c>resources</c> become the container's limits and requests, which is how a cluster enforces them
/// (seed 004); the registration credential comes from a Secret; probes follow <c>health_check</c>. The objects match
/// the invariants deploy/kubernetes holds for core services (non-root, read-only root, no capabilities, probes, limits).
/// </summary>
internal static class PluginWorkload
{
    public const string DefaultNamespace = "fabrix-plugins";

    /// <summary>Where a plugin finds the registry's gRPC endpoint in deploy/kubernetes.</summary>
    public const string RegistryGrpcAddress = "http://registry.fabrix-core.svc.cluster.local:8081";

    /// <summary>Where a plugin finds the Operator lane (Core.Gateway) in deploy/kubernetes.</summary>
    public const string GatewayAddress = "http://gateway.fabrix-core.svc.cluster.local:8080";

    /// <summary>Where a plugin finds the Proxy lane (Core.Proxy), its only way to the internet, in deploy/kubernetes.</summary>
    public const string ProxyAddress = "http://proxy.fabrix-core.svc.cluster.local:8080";

    /// <summary>Where a plugin finds the Canonical lane's gRPC endpoint (Core.Events, issue 11) in deploy/kubernetes.</summary>
    public const string EventsAddress = "http://events.fabrix-core.svc.cluster.local:8081";

    /// <summary>Key of the registration credential in the plugin's Secret.</summary>
    public const string CredentialKey = "credential";

    /// <summary>Used when the manifest declares no <c>resources.memory_limit</c> (MB).</summary>
    public const double DefaultMemoryLimitMb = 256;

    /// <summary>Used when the manifest declares no <c>resources.cpu_limit</c> (cores).</summary>
    public const double DefaultCpuLimit = 0.5;

    private const int DefaultPort = 8080;
    private const int PostgresPort = 5432;
    private const long NonRootUser = 10001;

    public static string SecretName(PluginManifest manifest) => manifest.Id + "-registration";

    public static int Port(PluginManifest manifest, PluginWorkloadOptions options) =>
        options.Port ?? manifest.HealthCheck?.Port ?? DefaultPort;

    public static IReadOnlyList<object> Build(PluginManifest manifest, PluginWorkloadOptions options) =>
        [Deployment(manifest, options), Service(manifest, options), NetworkPolicy(manifest, options)];

    /// <summary>The objects as one YAML stream (documents separated by <c>---</c>).</summary>
    public static string ToYaml(PluginManifest manifest, PluginWorkloadOptions options) =>
        KubernetesYaml.SerializeAll(Build(manifest, options));

    private static Dictionary<string, string> Labels(PluginManifest manifest) => new()
    {
        ["app.kubernetes.io/name"] = manifest.Id,
        ["app.kubernetes.io/version"] = manifest.Version,
        ["app.kubernetes.io/component"] = "plugin",
        ["app.kubernetes.io/part-of"] = "fabrix",
        ["fabrix.io/plugin"] = manifest.Id,
    };

    private static Dictionary<string, string> Selector(PluginManifest manifest) => new() { ["fabrix.io/plugin"] = manifest.Id };

    private static V1Deployment Deployment(PluginManifest manifest, PluginWorkloadOptions options)
    {
        var port = Port(manifest, options);
        var limits = Limits(manifest);
        var container = new V1Container
        {
            Name = "plugin",
            Image = options.Image ?? $"fabrix/plugin-{manifest.Id}:{manifest.Version}",
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = port }],
            Env =
            [
                new V1EnvVar { Name = "Fabrix__Plugin__RegistryAddress", Value = RegistryGrpcAddress },
                new V1EnvVar { Name = "Fabrix__Plugin__GatewayAddress", Value = GatewayAddress },
                new V1EnvVar { Name = "Fabrix__Plugin__ProxyAddress", Value = ProxyAddress },
                new V1EnvVar { Name = "Fabrix__Plugin__EventsAddress", Value = EventsAddress },
                new V1EnvVar { Name = "Fabrix__Plugin__Address", Value = $"http://{manifest.Id}.{options.Namespace}.svc.cluster.local:{port.ToString(CultureInfo.InvariantCulture)}" },
                new V1EnvVar
                {
                    Name = "Fabrix__Plugin__RegistrationCredential",
                    ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = SecretName(manifest), Key = CredentialKey } },
                },
            ],
            // Requests equal to limits: the scheduler reserves what the manifest allows, and the pod is Guaranteed QoS.
            Resources = new V1ResourceRequirements { Limits = limits, Requests = new Dictionary<string, ResourceQuantity>(limits) },
            ReadinessProbe = Probe(manifest, port, initialDelaySeconds: null),
            LivenessProbe = Probe(manifest, port, initialDelaySeconds: 10),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
        };

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = manifest.Id, NamespaceProperty = options.Namespace, Labels = Labels(manifest) },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = Selector(manifest) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(manifest) },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = NonRootUser,
                            RunAsGroup = NonRootUser,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Containers = [container],
                        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } }],
                    },
                },
            },
        };
    }

    private static Dictionary<string, ResourceQuantity> Limits(PluginManifest manifest)
    {
        var memoryMb = manifest.Resources?.MemoryLimit ?? DefaultMemoryLimitMb;
        var cpu = manifest.Resources?.CpuLimit ?? DefaultCpuLimit;
        return new Dictionary<string, ResourceQuantity>
        {
            ["memory"] = new(Memory(memoryMb)),
            ["cpu"] = new(Cpu(cpu)),
        };
    }

    /// <summary>The manifest's MB as binary units: whole numbers as <c>Mi</c>, fractions rounded up to whole <c>Ki</c>.</summary>
    internal static string Memory(double megabytes) =>
        megabytes == Math.Floor(megabytes)
            ? ((long)megabytes).ToString(CultureInfo.InvariantCulture) + "Mi"
            : ((long)Math.Ceiling(megabytes * 1024)).ToString(CultureInfo.InvariantCulture) + "Ki";

    /// <summary>The manifest's cores as millicores (the validator allows 0.1–8.0, so at least <c>100m</c>).</summary>
    internal static string Cpu(double cores) =>
        ((long)Math.Round(cores * 1000, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture) + "m";

    private static V1Probe Probe(PluginManifest manifest, int port, int? initialDelaySeconds)
    {
        var probe = new V1Probe
        {
            InitialDelaySeconds = initialDelaySeconds,
            PeriodSeconds = 10,
            TimeoutSeconds = 5,
            FailureThreshold = 3,
        };
        switch (manifest.HealthCheck)
        {
            case { Type: "grpc" } grpc:
                probe.Grpc = new V1GRPCAction { Port = grpc.Port };
                break;
            case { } http:
                probe.HttpGet = new V1HTTPGetAction { Path = http.Path ?? "/health", Port = http.Port };
                break;
            default:
                // No health_check: the kubelet can only see that the plugin accepts connections.
                probe.TcpSocket = new V1TCPSocketAction { Port = port };
                break;
        }

        return probe;
    }

    private static V1Service Service(PluginManifest manifest, PluginWorkloadOptions options)
    {
        var port = Port(manifest, options);
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = manifest.Id, NamespaceProperty = options.Namespace, Labels = Labels(manifest) },
            Spec = new V1ServiceSpec
            {
                Selector = Selector(manifest),
                Ports = [new V1ServicePort { Name = "http", Port = port, TargetPort = "http", Protocol = "TCP" }],
            },
        };
    }

    /// <summary>
    /// Ingress from the registry (health polling) and the gateway (calls of other plugins, mediated by the Operator
    /// lane) only, plus Core.Events on the plugin's HTTP port when the manifest declares push delivery
    /// (<c>events.delivery: push</c>, issue 11 section 3; its egress to the port named <c>http</c> is in
    /// deploy/kubernetes/base/network/core-policies.yaml); egress only to
    /// the plugin's own database when given. DNS and the lane services are allowed namespace-wide
    /// (deploy/kubernetes/base/network/plugin-policies.yaml); nothing here lets the plugin reach another plugin or NATS.
    /// </summary>
    private static V1NetworkPolicy NetworkPolicy(PluginManifest manifest, PluginWorkloadOptions options)
    {
        var ports = new List<V1NetworkPolicyPort> { new() { Protocol = "TCP", Port = Port(manifest, options) } };
        if (manifest.HealthCheck is { } health && health.Port != Port(manifest, options))
        {
            ports.Add(new V1NetworkPolicyPort { Protocol = "TCP", Port = health.Port });
        }

        var egress = new List<V1NetworkPolicyEgressRule>();
        if (options.DatabaseCidr is { } cidr)
        {
            egress.Add(new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = cidr } }],
                Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = PostgresPort }],
            });
        }

        var ingress = new List<V1NetworkPolicyIngressRule>
        {
            new()
            {
                FromProperty =
                [
                    CorePeer("registry"),
                    CorePeer("gateway"),
                ],
                Ports = ports,
            },
        };
        if (manifest.Events?.Delivery == EventDelivery.Push)
        {
            // Core.Events POSTs each event to the registered address (this port) + events.push_path; nothing else.
            ingress.Add(new V1NetworkPolicyIngressRule
            {
                FromProperty = [CorePeer("events")],
                Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = Port(manifest, options) }],
            });
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new V1ObjectMeta { Name = manifest.Id, NamespaceProperty = options.Namespace, Labels = Labels(manifest) },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = Selector(manifest) },
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = ingress,
                Egress = egress,
            },
        };
    }

    private static V1NetworkPolicyPeer CorePeer(string name) => new()
    {
        NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "fabrix-core" } },
        PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = name } },
    };
}
