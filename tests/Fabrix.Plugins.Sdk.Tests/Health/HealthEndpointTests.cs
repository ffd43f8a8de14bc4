using System.Net;
using System.Text.Json;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Health;

/// <summary><c>/health</c>: seed 004's body plus registration state, whoever maps the route.</summary>
public sealed class HealthEndpointTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Health_RegistryUnreachable_HealthyWithRegistrationPending()
    {
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}"));
        _time.Advance(TimeSpan.FromSeconds(42));

        var (status, body) = await GetHealthAsync(plugin);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(PluginUnderTest.PluginId, body.GetProperty("plugin").GetString());
        Assert.Equal("pending", body.GetProperty("registration").GetString());
        Assert.True(body.GetProperty("uptime_seconds").GetDouble() >= 42);
    }

    [Fact]
    public async Task Health_Registered_ReportsRegistered()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));
        await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        var (_, body) = await GetHealthAsync(plugin);

        Assert.Equal("registered", body.GetProperty("registration").GetString());
        Assert.DoesNotContain("token-1", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_AppMapsHealthItself_NoAmbiguityAndSameBody()
    {
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}"), map: app =>
        {
            // What ServiceDefaults' MapDefaultEndpoints does, before the SDK maps its own.
            app.MapHealthChecks("/health");
            app.MapFabrixPlugin();
        });

        var (status, body) = await GetHealthAsync(plugin);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PluginUnderTest.PluginId, body.GetProperty("plugin").GetString());
        Assert.Equal("pending", body.GetProperty("registration").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthAsync(PluginUnderTest plugin)
    {
        using var http = new HttpClient { BaseAddress = new Uri(plugin.Address) };
        using var response = await http.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (response.StatusCode, document.RootElement.Clone());
    }
}
