using System.Net;
using System.Text.Json;
using Fabrix.Contracts.Manifests;
using Fabrix.Plugins.Sdk;
using Fabrix.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>The sample as a Fabrix plugin: a valid manifest, and an API that works while core is unreachable.</summary>
public sealed class PluginIntegrationTests(PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Manifest_SampleFile_IsValidUnderPlatformRules()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "user-management-manifest.json"), Cancel);

        var result = ManifestValidator.Validate(json);

        Assert.Empty(result.Errors);
        var manifest = result.Manifest!;
        Assert.Equal("user-management", manifest.Id);
        Assert.Equal(["IdentityPlugin"], manifest.Contracts);
        Assert.Equal(["handles_pii", "audit_required"], manifest.Traits);
        Assert.Equal(["pii", "internal"], manifest.Security.DataClassification);
        Assert.Equal("detailed", manifest.Compliance!.AuditLevel);
        Assert.Equal("GET,PUT /api/users/{id}", manifest.Endpoints["user_info"]);
        Assert.Equal(new ManifestHealthCheck("http", 5200, "/health"), manifest.HealthCheck);
        // UserCreated by HTTP push, while accounting keeps the stream: the e2e flow covers both modes (issue 11 section 6).
        Assert.Equal(["UserCreated"], manifest.Events!.Subscribes);
        Assert.Equal((EventDelivery.Push, "/fabrix/events"), (manifest.Events.Delivery, manifest.Events.PushPath));
    }

    [Fact]
    public async Task DefaultPort_AppSettings_MatchesManifestHealthCheckPort()
    {
        await using var factory = new UserManagementFactory(await postgres.CreateDatabaseAsync("usermanagement"));
        _ = factory.Server;

        var url = factory.Services.GetRequiredService<IConfiguration>()["Kestrel:Endpoints:Http:Url"];

        Assert.Equal("http://127.0.0.1:5200", url);
        Assert.Equal(5200, factory.Services.GetRequiredService<IFabrixPlugin>().Manifest.HealthCheck!.Port);
    }

    [Fact]
    public async Task Health_RegistryUnreachable_ServesApiAndReportsPending()
    {
        await using var factory = new UserManagementFactory(await postgres.CreateDatabaseAsync("usermanagement"));
        using var http = factory.CreateCallerClient();
        var plugin = factory.Services.GetRequiredService<IFabrixPlugin>();
        await WaitAsync(() => plugin.Registration.Reason?.Contains("unreachable", StringComparison.Ordinal) == true);

        using var health = await http.GetAsync("/health", Cancel);
        using var api = await http.GetAsync("/api/users?limit=10", Cancel);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("user-management", body.RootElement.GetProperty("plugin").GetString());
        Assert.Equal("pending", body.RootElement.GetProperty("registration").GetString());
        Assert.True(body.RootElement.GetProperty("uptime_seconds").GetDouble() >= 0);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(PluginRegistrationState.Pending, plugin.Registration.State);
        Assert.Null(plugin.Token);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(50, Cancel);
        }

        Assert.True(condition(), "Condition not met within 15 s.");
    }
}
