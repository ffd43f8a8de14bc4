using System.Text.Json;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>
/// The sample tested the way a plugin author tests a plugin: against the plugin test kit's scripted registry
/// (Fabrix.Plugins.Sdk.Testing), without running the platform.
/// </summary>
public sealed class ScriptedRegistryTests(PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registration_ScriptedRegistryAccepts_RegistersWithItsManifestAndReportsRegistered()
    {
        var registry = new ScriptedPluginRegistry(TimeProvider.System) { PluginId = "user-management", Status = PluginStatus.Active };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, cancellationToken: Cancel);
        await using var factory = new UserManagementFactory(await postgres.CreateDatabaseAsync("usermanagement"), server.Address);
        using var http = factory.CreateCallerClient();
        var plugin = factory.Services.GetRequiredService<IFabrixPlugin>();

        await Eventually.WaitAsync(() => plugin.Registration.State == PluginRegistrationState.Registered, "registration", Cancel);
        using var health = await http.GetAsync("/health", Cancel);

        var register = Assert.Single(registry.CallsTo("Register")).Register!;
        var manifest = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "user-management-manifest.json"), Cancel);
        Assert.Equal(manifest, register.ManifestJson);
        Assert.Equal("http://127.0.0.1:5200", register.Address);
        Assert.Equal(PluginStatus.Active, plugin.Registration.Status);
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("registered", body.RootElement.GetProperty("registration").GetString());
    }
}
