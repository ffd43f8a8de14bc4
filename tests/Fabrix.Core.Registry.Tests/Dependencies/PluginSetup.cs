using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Npgsql;

namespace Fabrix.Core.Registry.Tests.Dependencies;

/// <summary>Setup and inspection shared by the dependency and version tests.</summary>
internal static class PluginSetup
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The test manifest of <paramref name="id"/> at <paramref name="version"/> declaring <paramref name="dependencies"/>.</summary>
    public static JsonObject Manifest(string id, string version = "1.0.0", params string[] dependencies)
    {
        var manifest = TestManifests.Manifest(id, version);
        manifest["dependencies"] = new JsonArray([.. dependencies.Select(d => (JsonNode)d)]);
        return manifest;
    }

    /// <summary>Installs <paramref name="manifest"/> with enable-on-register and registers it: the plugin is active.</summary>
    public static async Task<string> ActivateAsync(this RegistryHost host, JsonObject manifest)
    {
        var id = manifest["id"]!.GetValue<string>();
        await host.InstallAsync(id, enableOnRegister: true, manifestJson: manifest.ToJsonString());
        var token = await host.RegisterOkAsync(manifest);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal(PluginStatus.Active, detail.Summary.Status);
        return token;
    }

    /// <summary>POST /plugins/register with <paramref name="manifest"/>; asserts 200 and returns the token.</summary>
    public static async Task<string> RegisterOkAsync(this RegistryHost host, JsonObject manifest, RegistryFactory? factory = null)
    {
        using var response = await host.RegisterRestAsync(manifest, factory: factory);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"register: {(int)response.StatusCode} {body}");
        return body.GetProperty("token").GetString()!;
    }

    public static Task<PluginDetail> GetAsync(this RegistryHost host, string id) =>
        host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync;

    /// <summary>The lifecycle_events rows of <paramref name="ids"/> in the order they were written.</summary>
    public static async Task<IReadOnlyList<LifecycleRow>> LifecycleRowsAsync(this RegistryHost host, params string[] ids)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            select plugin_id, from_status, to_status, trigger, actor, reason, correlation_id from lifecycle_events
            where plugin_id = any(@ids) order by id
            """, connection);
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<LifecycleRow>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(new LifecycleRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }
}

internal sealed record LifecycleRow(string PluginId, string? From, string? To, string Trigger, string Actor, string Reason, string CorrelationId);
