using Fabrix.Cli;
using k8s;
using k8s.Models;

namespace Fabrix.Deploy.Tests;

/// <summary><c>fabrix deploy plugin</c>: the YAML it writes parses strictly and carries the manifest's limits (issue 8 section 4).</summary>
public sealed class DeployPluginCommandTests : IDisposable
{
    private const string Reporting = """
        {
          "id": "reporting", "name": "Reporting", "version": "2.1.0", "contracts": ["ProcessingPlugin"], "traits": ["stateless"],
          "security": { "authentication_required": true, "data_classification": ["internal"] },
          "health_check": { "type": "http", "port": 8000, "path": "/healthz" },
          "resources": { "memory_limit": 512, "cpu_limit": 1.5 }
        }
        """;

    private const string GrpcProbe = """
        {
          "id": "echo", "name": "Echo", "version": "0.1.0", "contracts": ["ProcessingPlugin"], "traits": ["stateless"],
          "security": { "authentication_required": true, "data_classification": ["public"] },
          "health_check": { "type": "grpc", "port": 9000 },
          "resources": { "memory_limit": 100.5, "cpu_limit": 0.25 }
        }
        """;

    private const string NoHealthNoResources = """
        {
          "id": "echo", "name": "Echo", "version": "0.1.0", "contracts": ["ProcessingPlugin"], "traits": ["stateless"],
          "security": { "authentication_required": true, "data_classification": ["public"] }
        }
        """;

    private const string Invalid = """
        {
          "id": "echo", "name": "Echo", "version": "1.0", "contracts": ["ProcessingPlugin"], "traits": ["stateless"],
          "security": { "authentication_required": true, "data_classification": ["public"] },
          "resources": { "memory_limit": 100000 }
        }
        """;

    private const string PushSubscriber = """
        {
          "id": "directory", "name": "Directory", "version": "1.0.0", "contracts": ["IdentityPlugin"], "traits": ["handles_pii"],
          "security": { "authentication_required": true, "data_classification": ["pii"] },
          "compliance": { "audit_level": "detailed" },
          "events": { "subscribes": ["UserCreated"], "delivery": "push", "push_path": "/fabrix/events" },
          "health_check": { "type": "http", "port": 8000, "path": "/health" }
        }
        """;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fabrix-deploy-tests-" + Guid.NewGuid().ToString("N"));

    public DeployPluginCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DeployPlugin_ValidManifest_WritesDeploymentServiceAndNetworkPolicyThatParseStrictly()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        Assert.Equal(0, result.ExitCode);
        var documents = KubernetesDocuments.LoadStrict(result.Output);
        Assert.Collection(
            documents,
            d => Assert.Equal("reporting", Assert.IsType<V1Deployment>(d).Metadata.Name),
            s => Assert.Equal("reporting", Assert.IsType<V1Service>(s).Metadata.Name),
            n => Assert.Equal("reporting", Assert.IsType<V1NetworkPolicy>(n).Metadata.Name));
        Assert.All(documents.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal("fabrix-plugins", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public async Task DeployPlugin_ManifestResources_BecomeLimitsAndRequests()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var container = Container(result);
        Assert.Equal("512Mi", container.Resources.Limits["memory"].ToString());
        Assert.Equal("1500m", container.Resources.Limits["cpu"].ToString());
        Assert.Equal("512Mi", container.Resources.Requests["memory"].ToString());
        Assert.Equal("1500m", container.Resources.Requests["cpu"].ToString());
    }

    [Fact]
    public async Task DeployPlugin_FractionalMemory_RoundsUpToWholeKibibytes()
    {
        var result = await RunAsync(GrpcProbe, "deploy", "plugin", "manifest.json");

        var container = Container(result);
        Assert.Equal("102912Ki", container.Resources.Limits["memory"].ToString());
        Assert.Equal("250m", container.Resources.Limits["cpu"].ToString());
    }

    [Fact]
    public async Task DeployPlugin_NoResources_UsesDefaultsAndSaysSo()
    {
        var result = await RunAsync(NoHealthNoResources, "deploy", "plugin", "manifest.json");

        var container = Container(result);
        Assert.Equal("256Mi", container.Resources.Limits["memory"].ToString());
        Assert.Equal("500m", container.Resources.Limits["cpu"].ToString());
        Assert.Contains("declares no resources.memory_limit or cpu_limit", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployPlugin_RegistrationCredential_ComesFromThePluginsSecret()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var credential = Assert.Single(Container(result).Env, e => e.Name == "Fabrix__Plugin__RegistrationCredential");
        Assert.Null(credential.Value);
        Assert.Equal("reporting-registration", credential.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("credential", credential.ValueFrom.SecretKeyRef.Key);
        Assert.Contains("kubectl -n fabrix-plugins create secret generic reporting-registration --from-literal=credential=", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployPlugin_ProxyAddress_IsTheProxyLanesService()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var proxy = Assert.Single(Container(result).Env, e => e.Name == "Fabrix__Plugin__ProxyAddress");
        Assert.Equal("http://proxy.fabrix-core.svc.cluster.local:8080", proxy.Value);
    }

    [Fact]
    public async Task DeployPlugin_EventsAddress_IsCoreEventsGrpcService()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var events = Assert.Single(Container(result).Env, e => e.Name == "Fabrix__Plugin__EventsAddress");
        Assert.Equal("http://events.fabrix-core.svc.cluster.local:8081", events.Value);
    }

    [Fact]
    public async Task DeployPlugin_HttpHealthCheck_BecomesHttpProbes()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var container = Container(result);
        Assert.Equal("/healthz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("8000", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal(8000, Assert.Single(container.Ports).ContainerPort);
    }

    [Fact]
    public async Task DeployPlugin_GrpcHealthCheck_BecomesGrpcProbes()
    {
        var result = await RunAsync(GrpcProbe, "deploy", "plugin", "manifest.json");

        var container = Container(result);
        Assert.Equal(9000, container.ReadinessProbe.Grpc.Port);
        Assert.Equal(9000, container.LivenessProbe.Grpc.Port);
    }

    [Fact]
    public async Task DeployPlugin_NoHealthCheck_ProbesTheServicePort()
    {
        var result = await RunAsync(NoHealthNoResources, "deploy", "plugin", "manifest.json", "--port", "7000");

        var container = Container(result);
        Assert.Equal("7000", container.ReadinessProbe.TcpSocket.Port.Value);
        Assert.Equal("7000", container.LivenessProbe.TcpSocket.Port.Value);
    }

    [Fact]
    public async Task DeployPlugin_Output_KeepsEveryContainerInvariant()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var pod = Assert.Single(KubernetesDocuments.PodSpecs(KubernetesDocuments.LoadStrict(result.Output)));
        Assert.Empty(Invariants.ContainerViolations(pod.Name, pod.Pod));
    }

    [Fact]
    public async Task DeployPlugin_NetworkPolicy_AdmitsTheRegistryAndGatewayOnlyAndAllowsNoEgress()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json");

        var policy = KubernetesDocuments.LoadStrict(result.Output).OfType<V1NetworkPolicy>().Single();
        Assert.Equal("reporting", policy.Spec.PodSelector.MatchLabels["fabrix.io/plugin"]);
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
        var from = Assert.Single(policy.Spec.Ingress).FromProperty;
        Assert.All(from, peer => Assert.Equal("fabrix-core", peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]));
        Assert.Equal(["registry", "gateway"], from.Select(peer => peer.PodSelector.MatchLabels["app.kubernetes.io/name"]));
        Assert.Empty(policy.Spec.Egress ?? []);
        Assert.Empty(Invariants.PluginEgressViolations(policy));
    }

    [Fact]
    public async Task DeployPlugin_DatabaseCidr_AllowsPostgresEgressToThatRangeOnly()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json", "--database-cidr", "10.20.0.5/32");

        var policy = KubernetesDocuments.LoadStrict(result.Output).OfType<V1NetworkPolicy>().Single();
        var rule = Assert.Single(policy.Spec.Egress);
        Assert.Equal("10.20.0.5/32", Assert.Single(rule.To).IpBlock.Cidr);
        Assert.Equal("5432", Assert.Single(rule.Ports).Port.Value);
        Assert.Empty(Invariants.PluginEgressViolations(policy));
    }

    [Fact]
    public async Task DeployPlugin_PushManifest_AdmitsCoreEventsOnTheHttpPortOnly()
    {
        var result = await RunAsync(PushSubscriber, "deploy", "plugin", "manifest.json");

        var documents = KubernetesDocuments.LoadStrict(result.Output);
        var policy = documents.OfType<V1NetworkPolicy>().Single();
        var container = Assert.Single(documents.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers);
        var events = Assert.Single(policy.Spec.Ingress, rule => rule.FromProperty.Any(peer => peer.PodSelector.MatchLabels["app.kubernetes.io/name"] == "events"));
        var peer = Assert.Single(events.FromProperty);
        Assert.Equal(("fabrix-core", "events"), (peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"], peer.PodSelector.MatchLabels["app.kubernetes.io/name"]));
        Assert.Equal(("TCP", "8000"), (Assert.Single(events.Ports).Protocol, events.Ports[0].Port.Value));
        // The port Core.Events' egress names (core-policies.yaml: `http`) is the one the plugin registers its address on.
        Assert.Equal(("http", 8000), (Assert.Single(container.Ports).Name, container.Ports[0].ContainerPort));
        Assert.EndsWith(":8000", Assert.Single(container.Env, e => e.Name == "Fabrix__Plugin__Address").Value, StringComparison.Ordinal);
        Assert.Empty(Invariants.PluginEgressViolations(policy));
    }

    [Fact]
    public async Task DeployPlugin_NamespaceAndImage_AreUsed()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json", "--namespace", "team-a-plugins", "--image", "registry.example/reporting@sha256:abc");

        Assert.Equal(0, result.ExitCode);
        var documents = KubernetesDocuments.LoadStrict(result.Output);
        Assert.All(documents.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal("team-a-plugins", o.Metadata.NamespaceProperty));
        Assert.Equal("registry.example/reporting@sha256:abc", Assert.Single(documents.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers).Image);
    }

    [Fact]
    public async Task DeployPlugin_OutputFile_WritesTheYamlThere()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json", "--output", "reporting.yaml");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal(3, KubernetesDocuments.LoadStrict(File.ReadAllText(Path.Combine(_directory, "reporting.yaml"))).Count);
    }

    [Fact]
    public async Task DeployPlugin_InvalidManifest_ExitsOneAndWritesNothing()
    {
        var result = await RunAsync(Invalid, "deploy", "plugin", "manifest.json");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains("$.version", result.Error, StringComparison.Ordinal);
        Assert.Contains("$.resources.memory_limit", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployPlugin_MissingFile_ExitsTwo()
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "missing.json");

        Assert.Equal(ExitCodes.UsageOrIo, result.ExitCode);
        Assert.Equal("", result.Output);
    }

    [Theory]
    [InlineData("--database-cidr", "not-a-range")]
    [InlineData("--namespace", "Fabrix_Plugins")]
    [InlineData("--port", "70000")]
    public async Task DeployPlugin_BadOption_ExitsTwoAndWritesNothing(string option, string value)
    {
        var result = await RunAsync(Reporting, "deploy", "plugin", "manifest.json", option, value);

        Assert.Equal(ExitCodes.UsageOrIo, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }

    private static V1Container Container((int ExitCode, string Output, string Error) result)
    {
        Assert.Equal(0, result.ExitCode);
        var deployment = KubernetesDocuments.LoadStrict(result.Output).OfType<V1Deployment>().Single();
        return Assert.Single(deployment.Spec.Template.Spec.Containers);
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string manifest, params string[] args)
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "manifest.json"), manifest, TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error)
        {
            Environment = _ => null,
            CurrentDirectory = _directory,
            OpenChannel = address => throw new InvalidOperationException($"fabrix deploy must not connect to {address}."),
        };

        var exitCode = await CliApp.RunAsync(args, context, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
