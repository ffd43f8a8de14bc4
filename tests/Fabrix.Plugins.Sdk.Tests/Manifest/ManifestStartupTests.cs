using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Manifest;

/// <summary>The plugin refuses to start with a bad manifest or bad settings, and says everything that is wrong.</summary>
public sealed class ManifestStartupTests
{
    private const string Unreachable = "http://127.0.0.1:9";

    [Fact]
    public async Task Start_InvalidManifest_FailsWithEveryErrorAndPath()
    {
        const string manifest = """
            {
              "id": "Bad_Id", "name": "Broken", "version": "1.0.0",
              "contracts": ["IdentityPlugin"],
              "traits": ["admin"],
              "security": { "authentication_required": false, "data_classification": ["internal"] }
            }
            """;
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), PluginUnderTest.DefaultSettings(Unreachable), manifest);

        var exception = await Assert.ThrowsAsync<FabrixPluginManifestException>(plugin.StartAsync);

        var paths = exception.Errors.Select(e => e.Path).ToArray();
        Assert.Contains("$.id", paths);
        Assert.Contains("$.traits[0]", paths);
        Assert.Contains("$.security.authentication_required", paths);
        foreach (var error in exception.Errors)
        {
            Assert.Contains($"{error.Path}: {error.Message}", exception.Message, StringComparison.Ordinal);
        }

        Assert.Contains(plugin.Logs.Entries, e => e.EventId.Id == 7001 && e.Message.Contains("$.security.authentication_required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ManifestNotJson_FailsWithErrorAtRoot()
    {
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), PluginUnderTest.DefaultSettings(Unreachable), "{ not json");

        var exception = await Assert.ThrowsAsync<FabrixPluginManifestException>(plugin.StartAsync);

        Assert.Equal("$", Assert.Single(exception.Errors).Path);
    }

    [Fact]
    public async Task Start_ManifestMissing_FailsNamingWhereItLooked()
    {
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), PluginUnderTest.DefaultSettings(Unreachable), manifestJson: null);

        var exception = await Assert.ThrowsAsync<FabrixPluginManifestException>(plugin.StartAsync);

        Assert.Contains(Path.Combine(plugin.App.Environment.ContentRootPath, "manifest.json"), exception.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Plugin:ManifestPath", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ManifestPathConfigured_ReadsThatFile()
    {
        var folder = Directory.CreateTempSubdirectory("fabrix-sdk-manifest-").FullName;
        var path = Path.Combine(folder, "custom.json");
        await File.WriteAllTextAsync(path, PluginUnderTest.ValidManifest.Replace("1.2.3", "7.0.0", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var settings = PluginUnderTest.DefaultSettings(Unreachable);
        settings["Fabrix:Plugin:ManifestPath"] = path;
        try
        {
            await using var plugin = await PluginUnderTest.StartAsync(new FakeTimeProvider(), settings, manifestJson: null);

            Assert.Equal("7.0.0", plugin.Plugin.Manifest.Version);
            Assert.Equal(PluginUnderTest.PluginId, plugin.Plugin.PluginId);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Start_NoRegistryAddress_FailsNamingTheKeys()
    {
        var settings = PluginUnderTest.DefaultSettings(Unreachable);
        settings.Remove("services:registry:grpc:0");
        settings["Fabrix:Plugin:HeartbeatInterval"] = "00:00:00";
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), settings);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains(exception.Failures, f => f.Contains("Fabrix:Plugin:RegistryAddress", StringComparison.Ordinal) && f.Contains("services:registry:grpc:0", StringComparison.Ordinal));
        Assert.Contains(exception.Failures, f => f.Contains("Fabrix:Plugin:HeartbeatInterval", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_RegistryAddressNotUrl_FailsNamingTheKey()
    {
        var settings = PluginUnderTest.DefaultSettings(Unreachable);
        settings["Fabrix:Plugin:RegistryAddress"] = "registry:5101";
        await using var plugin = PluginUnderTest.Create(new FakeTimeProvider(), settings);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains(exception.Failures, f => f.Contains("Fabrix:Plugin:RegistryAddress 'registry:5101'", StringComparison.Ordinal));
    }
}
