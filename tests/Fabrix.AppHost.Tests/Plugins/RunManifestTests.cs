using System.Text.Json.Nodes;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Plugins;
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

    private static string SamplePath => Path.Combine(RepositoryRoot.Path, SampleManifest);

    [Fact]
    public void ForRun_SamplePluginWithoutOffset_IsItsOwnFile()
    {
        using var data = new TempFolder();
        var sample = PluginManifestFile.Load(SamplePath, SampleManifest);

        var manifest = RunManifest.ForRun(Layout(data, 0), "user-management", sample, httpPort: 5200, http2Port: null);

        Assert.Same(sample, manifest);
        Assert.Null(manifest.CopiedFrom);
        Assert.Null(manifest.CopiedWithPort);
        Assert.Equal(ManifestDigest.Compute(File.ReadAllText(SamplePath)), manifest.Digest);
        Assert.False(Directory.Exists(data.Combine("plugins")));
    }

    [Fact]
    public void ForRun_SamplePluginWithOffset10_IsACopyWithPort5210InTheDataFolder()
    {
        using var data = new TempFolder();
        var sample = PluginManifestFile.Load(SamplePath, SampleManifest);

        var manifest = RunManifest.ForRun(Layout(data, 10), "user-management", sample, httpPort: 5210, http2Port: null);

        var copy = data.Combine("plugins/user-management/manifest.json");
        Assert.Equal(copy, manifest.Path);
        Assert.Equal(SamplePath, manifest.CopiedFrom);
        Assert.Equal((5200, 5210), manifest.CopiedWithPort);
        var written = File.ReadAllText(copy);
        Assert.Equal(written, manifest.Json);
        Assert.Equal(ManifestDigest.Compute(written), manifest.Digest);
        Assert.NotEqual(sample.Digest, manifest.Digest);
        Assert.Equal(5210, HealthCheckPortIn(written));
        AssertEqualButForHealthCheckPort(File.ReadAllText(SamplePath), written);
        Assert.Equal((sample.PluginId, sample.Version), (manifest.PluginId, manifest.Version));
    }

    [Fact]
    public void ForRun_SamePortOffsetTwice_IsTheSameDigest()
    {
        using var data = new TempFolder();
        var sample = PluginManifestFile.Load(SamplePath, SampleManifest);

        var first = RunManifest.ForRun(Layout(data, 10), "user-management", sample, 5210, null);
        var second = RunManifest.ForRun(Layout(data, 10), "user-management", sample, 5210, null);

        // A second run with the same offset finds the installed digest and leaves the installation alone.
        Assert.Equal(first.Digest, second.Digest);
    }

    [Fact]
    public void ForRun_GrpcHealthCheck_TakesThePortOfTheHttp2Endpoint()
    {
        using var data = new TempFolder();
        var declared = Manifest(data, ManifestJson("""{ "type": "grpc", "port": 5301 }"""));

        var manifest = RunManifest.ForRun(Layout(data, 10), "sample-plugin", declared, httpPort: 5310, http2Port: 5311);

        Assert.Equal(5311, HealthCheckPortIn(File.ReadAllText(manifest.Path)));
        Assert.Equal((5301, 5311), manifest.CopiedWithPort);
    }

    [Fact]
    public void ForRun_ManifestWithoutHealthCheck_IsItsOwnFile()
    {
        using var data = new TempFolder();
        var declared = Manifest(data, ManifestJson(healthCheck: null));

        var manifest = RunManifest.ForRun(Layout(data, 10), "sample-plugin", declared, httpPort: 5310, http2Port: null);

        Assert.Same(declared, manifest);
        Assert.False(Directory.Exists(data.Combine("plugins")));
    }

    [Theory]
    [InlineData("http", 5210, 5211, 5210)]
    [InlineData("grpc", 5210, 5211, 5211)]
    [InlineData("grpc", 5210, null, 5210)]
    [InlineData("http", null, 5211, null)]
    public void HealthCheckPort_FollowsTheEndpointTheCheckSpeaks(string type, int? httpPort, int? http2Port, int? expected) =>
        Assert.Equal(expected, RunManifest.HealthCheckPort(new ManifestHealthCheck(type, 5200, "/health"), httpPort, http2Port));

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

    private static FabrixLayout Layout(TempFolder data, int portOffset) => new(RepositoryRoot.Path, data.Path, portOffset);

    private static PluginManifestFile Manifest(TempFolder folder, string json)
    {
        var path = folder.Combine("manifest.json");
        File.WriteAllText(path, json);
        return PluginManifestFile.Load(path, "manifest.json");
    }

    private static void AssertEqualButForHealthCheckPort(string expected, string actual)
    {
        var expectedNode = JsonNode.Parse(expected)!;
        var actualNode = JsonNode.Parse(actual)!;
        expectedNode["health_check"]!.AsObject().Remove("port");
        actualNode["health_check"]!.AsObject().Remove("port");
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"expected {expectedNode.ToJsonString()}, got {actualNode.ToJsonString()}");
    }

    private static int HealthCheckPortIn(string json) => JsonNode.Parse(json)!["health_check"]!["port"]!.GetValue<int>();
}
