using System.Text.Json.Nodes;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Projects;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Manifests;

namespace Fabrix.AppHost.Tests.Plugins;

/// <summary>
/// A plugin's manifest <c>health_check.port</c> follows the port the AppHost gives the plugin: the registry probes
/// that port, and the plugin registers with the very file that was installed.
/// </summary>
public sealed class RunManifestTests
{
    private const string SampleManifest = "Plugins.Samples/UserManagement/manifest.json";
    private const string PluginProject = "Plugin/Plugin.csproj";
    private const string PluginManifest = "Plugin/manifest.json";

    private static readonly string Repository = RepositoryRoot.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("The tests run outside the Fabrix repository.");

    [Fact]
    public async Task Prepare_SamplePluginWithoutOffset_InstallsItsOwnFileAndSetsNoManifestPath()
    {
        await using var run = new TestRun(Repository);
        var plugin = await SamplePluginAsync(run, TestRun.Builder(portOffset: 0, Repository));

        await plugin.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        var manifest = plugin.PluginManifest!;
        var original = Path.Combine(Repository, SampleManifest);
        Assert.Equal(original, manifest.Path);
        Assert.Null(manifest.CopiedFrom);
        Assert.Equal(File.ReadAllText(original), manifest.Json);
        Assert.Equal(ManifestDigest.Compute(File.ReadAllText(original)), manifest.Digest);
        Assert.False(plugin.BuildEnvironment(run.Context).ContainsKey("Fabrix__Plugin__ManifestPath"));
        Assert.False(Directory.Exists(Path.Combine(run.DataRoot, "plugins")));
        Assert.DoesNotContain("health_check.port", run.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_SamplePluginWithOffset10_InstallsACopyWithPort5210AndPointsThePluginAtIt()
    {
        await using var run = new TestRun(Repository);
        var plugin = await SamplePluginAsync(run, TestRun.Builder(portOffset: 10, Repository));

        await plugin.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        var manifest = plugin.PluginManifest!;
        var copy = Path.Combine(run.DataRoot, "plugins", "user-management", "manifest.json");
        var original = Path.Combine(Repository, SampleManifest);
        Assert.Equal(copy, manifest.Path);
        Assert.Equal(original, manifest.CopiedFrom);
        var written = File.ReadAllText(copy);
        Assert.Equal(written, manifest.Json);
        Assert.Equal(ManifestDigest.Compute(written), manifest.Digest);
        Assert.NotEqual(ManifestDigest.Compute(File.ReadAllText(original)), manifest.Digest);
        Assert.Equal(5210, HealthCheckPortIn(written));
        AssertEqualButForHealthCheckPort(File.ReadAllText(original), written);
        Assert.Equal(copy, plugin.BuildEnvironment(run.Context)["Fabrix__Plugin__ManifestPath"]);
        Assert.Equal("http://127.0.0.1:5210", plugin.BuildEnvironment(run.Context)["Fabrix__Plugin__Address"]);
        Assert.Contains("health_check.port of user-management set to 5210 for this run (manifest says 5200)", run.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_SamePortOffsetTwice_InstallsTheSameDigest()
    {
        await using var run = new TestRun(Repository);
        var first = await SamplePluginAsync(run, TestRun.Builder(portOffset: 10, Repository));
        var second = await SamplePluginAsync(run, TestRun.Builder(portOffset: 10, Repository));

        await first.PrepareAsync(run.Context, TestContext.Current.CancellationToken);
        await second.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        // A second run with the same offset finds the installed digest and leaves the installation alone.
        Assert.Equal(first.PluginManifest!.Digest, second.PluginManifest!.Digest);
    }

    [Fact]
    public async Task Prepare_PortOverride_SetsTheOverriddenPort()
    {
        await using var run = new TestRun(Repository);
        var options = new AppHostOptions { PortOffset = 10, PortOverrides = new Dictionary<string, int> { ["user-management.http"] = 6123 } };
        var plugin = await SamplePluginAsync(run, new FabrixAppHostBuilder(options, Repository));

        await plugin.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        Assert.Equal(6123, HealthCheckPortIn(File.ReadAllText(plugin.PluginManifest!.Path)));
        Assert.Equal(plugin.PluginManifest.Path, plugin.BuildEnvironment(run.Context)["Fabrix__Plugin__ManifestPath"]);
    }

    [Fact]
    public async Task Prepare_PortOverrideEqualToTheManifestPort_InstallsItsOwnFile()
    {
        await using var run = new TestRun(Repository);
        var options = new AppHostOptions { PortOffset = 10, PortOverrides = new Dictionary<string, int> { ["user-management.http"] = 5200 } };
        var plugin = await SamplePluginAsync(run, new FabrixAppHostBuilder(options, Repository));

        await plugin.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        Assert.Equal(Path.Combine(Repository, SampleManifest), plugin.PluginManifest!.Path);
        Assert.False(plugin.BuildEnvironment(run.Context).ContainsKey("Fabrix__Plugin__ManifestPath"));
    }

    [Fact]
    public async Task Prepare_GrpcHealthCheck_TakesThePortOfTheHttp2Endpoint()
    {
        var repository = PluginRepository(ManifestJson("""{ "type": "grpc", "port": 5301 }"""));
        await using var run = new TestRun(repository);
        var plugin = Plugin(TestRun.Builder(portOffset: 10, repository)).WithHttpEndpoint("http", 5300).WithHttp2Endpoint("grpc", 5301);

        await plugin.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        Assert.Equal(5311, HealthCheckPortIn(File.ReadAllText(plugin.PluginManifest!.Path)));
        Assert.Equal(plugin.PluginManifest.Path, plugin.BuildEnvironment(run.Context)["Fabrix__Plugin__ManifestPath"]);
        Assert.Contains("health_check.port of sample-plugin set to 5311 for this run (manifest says 5301)", run.Output.ToString(), StringComparison.Ordinal);
        Directory.Delete(repository, recursive: true);
    }

    [Fact]
    public async Task Prepare_ManifestWithoutHealthCheck_InstallsItsOwnFile()
    {
        var repository = PluginRepository(ManifestJson(healthCheck: null));
        await using var run = new TestRun(repository);
        var plugin = Plugin(TestRun.Builder(portOffset: 10, repository)).WithHttpEndpoint("http", 5300);

        await plugin.PrepareAsync(run.Context, TestContext.Current.CancellationToken);

        var original = Path.Combine(repository, PluginManifest);
        Assert.Equal(original, plugin.PluginManifest!.Path);
        Assert.Equal(File.ReadAllText(original), plugin.PluginManifest.Json);
        Assert.False(plugin.BuildEnvironment(run.Context).ContainsKey("Fabrix__Plugin__ManifestPath"));
        Assert.False(Directory.Exists(Path.Combine(run.DataRoot, "plugins")));
        Directory.Delete(repository, recursive: true);
    }

    [Theory]
    [InlineData("http", 5210, 5211, 5210)]
    [InlineData("grpc", 5210, 5211, 5211)]
    [InlineData("grpc", 5210, null, 5210)]
    [InlineData("http", null, 5211, null)]
    public void HealthCheckPort_FollowsTheEndpointTheCheckSpeaks(string type, int? httpPort, int? http2Port, int? expected)
    {
        var http = httpPort is { } p1 ? new Endpoint("plugin", "http", "http", EndpointProtocol.Http1, p1) : null;
        var http2 = http2Port is { } p2 ? new Endpoint("plugin", "grpc", "http", EndpointProtocol.Http2, p2) : null;

        Assert.Equal(expected, RunManifest.HealthCheckPort(new ManifestHealthCheck(type, 5200, "/health"), http, http2));
    }

    [Fact]
    public void WithHealthCheckPort_ChangesOnlyThePortAndKeepsOrderNumbersAndCharacters()
    {
        const string json = """
            {"name":"Gère les profils","b":1.50,"a":[1,2],"health_check":{"type":"http","port":5200,"path":"/health"},"z":{"y":true,"x":null}}

            """;

        var adjusted = RunManifest.WithHealthCheckPort(json, 5210);

        Assert.Equal(5210, HealthCheckPortIn(adjusted));
        AssertEqualButForHealthCheckPort(json, adjusted);
        Assert.Equal("name b a health_check z", string.Join(' ', JsonNode.Parse(adjusted)!.AsObject().Select(p => p.Key)));
        Assert.Equal("type port path", string.Join(' ', JsonNode.Parse(adjusted)!["health_check"]!.AsObject().Select(p => p.Key)));
        Assert.Contains("\"Gère les profils\"", adjusted, StringComparison.Ordinal);
        Assert.Contains("1.50", adjusted, StringComparison.Ordinal);
        Assert.EndsWith("}\n", adjusted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"a","health_check":{"type":"http","port":5210,"path":"/health"}}""", true)]
    [InlineData("""{"health_check":{"path":"/health","port":5300,"type":"http"},"id":"a"}""", true)]
    [InlineData("""{"id":"b","health_check":{"type":"http","port":5210,"path":"/health"}}""", false)]
    [InlineData("""{"id":"a","health_check":{"type":"http","port":5200,"path":"/ready"}}""", false)]
    [InlineData("not json", false)]
    public void DifferOnlyInHealthCheckPort_IgnoresThePortAndLayoutOnly(string other, bool expected) =>
        Assert.Equal(expected, RunManifest.DifferOnlyInHealthCheckPort("""{"id":"a","health_check":{"type":"http","port":5200,"path":"/health"}}""", other));

    /// <summary>A valid manifest of plugin <c>sample-plugin</c>, with <paramref name="healthCheck"/> when not null.</summary>
    internal static string ManifestJson(string? healthCheck) => $$"""
        {
          "id": "sample-plugin",
          "name": "Sample Plugin",
          "version": "1.0.0",
          "contracts": ["IdentityPlugin"],
          "traits": ["handles_pii", "audit_required"],
          "security": { "authentication_required": true, "data_classification": ["pii", "internal"] },
          "compliance": { "hipaa_controls": ["164.312(a)"], "audit_level": "detailed" }{{(healthCheck is null ? string.Empty : $",\n  \"health_check\": {healthCheck}")}}
        }
        """;

    private static void AssertEqualButForHealthCheckPort(string expected, string actual)
    {
        var expectedNode = JsonNode.Parse(expected)!;
        var actualNode = JsonNode.Parse(actual)!;
        expectedNode["health_check"]!.AsObject().Remove("port");
        actualNode["health_check"]!.AsObject().Remove("port");
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"expected {expectedNode.ToJsonString()}, got {actualNode.ToJsonString()}");
    }

    private static int HealthCheckPortIn(string json) => JsonNode.Parse(json)!["health_check"]!["port"]!.GetValue<int>();

    /// <summary>A temp "repository" holding a plugin project file (never built here) and its manifest.</summary>
    private static string PluginRepository(string manifestJson)
    {
        var repository = TestRun.CreateOpenTempFolder("fabrix-plugin-repo-");
        Directory.CreateDirectory(Path.Combine(repository, "Plugin"));
        File.WriteAllText(Path.Combine(repository, PluginProject), "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />");
        File.WriteAllText(Path.Combine(repository, PluginManifest), manifestJson);
        return repository;
    }

    private static ProjectResource Plugin(FabrixAppHostBuilder builder)
    {
        var registry = builder.AddProject("registry", "Registry/Registry.csproj").WithHttpEndpoint("http", 5100).WithHttp2Endpoint("grpc", 5101);
        return builder.AddProject("sample-plugin", PluginProject).WithReference(registry).WithPluginInstallation(PluginManifest);
    }

    /// <summary>The platform's sample plugin; its database's password is loaded so that its environment can be built.</summary>
    private static async Task<ProjectResource> SamplePluginAsync(TestRun run, FabrixAppHostBuilder builder)
    {
        builder.AddFabrixPlatform();
        await builder.Resources.OfType<PostgresResource>().Single().PrepareAsync(run.Context, TestContext.Current.CancellationToken);
        return builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "user-management");
    }
}
