using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>
/// One running registry per test class: its own database, key ring folder and development admin key, real
/// PostgreSQL and NATS. Also the helpers the tests share (admin tokens, clients, audit queries).
/// </summary>
public sealed class RegistryHost(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private readonly List<RegistryFactory> _factories = [];
    private readonly ConcurrentDictionary<string, string> _credentials = new(StringComparer.Ordinal);
    private string? _root;

    public string ConnectionString { get; private set; } = string.Empty;

    public string KeyRingPath { get; private set; } = string.Empty;

    public string DevKeyPath { get; private set; } = string.Empty;

    public ECDsaSecurityKey DevKey { get; private set; } = null!;

    public string NatsUrl => nats.Url;

    public RegistryFactory Factory { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public RegistryAdmin.RegistryAdminClient Admin => new(Channel);

    public PluginRegistry.PluginRegistryClient Plugins => new(Channel);

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await postgres.CreateDatabaseAsync("registry");
        _root = Directory.CreateTempSubdirectory("fabrix-registry-tests-").FullName;
        KeyRingPath = Path.Combine(_root, "keyring");
        DevKeyPath = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_root, "dev-admin.pem"));
        DevKey = DevelopmentAdminToken.LoadKey(DevKeyPath);
        (Factory, Channel) = Start();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }

        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The configuration the AppHost would give the registry.</summary>
    public Dictionary<string, string?> Settings() => new(StringComparer.Ordinal)
    {
        ["ConnectionStrings:registry"] = ConnectionString,
        ["ConnectionStrings:nats"] = nats.Url,
        ["Fabrix:Registry:KeyRingPath"] = KeyRingPath,
        ["Fabrix:DevAdmin:KeyFile"] = DevKeyPath,
        ["Fabrix:Registry:OutboxPollInterval"] = "00:00:00.500",
        // Off unless a test is about health: probes of the test plugins' made-up addresses would add health audit rows
        // to tests that assert exact audit trails. HealthMonitoringTests switch it on.
        ["Fabrix:Registry:Health:Enabled"] = "false",
        // Every test registry shares the assembly's NATS server: each needs its own anchor stream.
        ["Fabrix:Registry:Audit:AnchorStream"] = AnchorStream,
        ["Fabrix:Registry:Audit:AnchorSubject"] = $"fabrix.audit.anchors.{AnchorStream}",
        // ... and its own lane decision stream (issue 9 section 4), or registries would consume each other's records.
        ["Fabrix:Registry:Audit:Ingest:Stream"] = IngestStream,
        ["Fabrix:Registry:Audit:Ingest:Subject"] = IngestSubject,
        // Tests call the plugin API far faster than plugins do; RateLimitingTests switch it on.
        ["Fabrix:Registry:RateLimiting:Enabled"] = "false",
    };

    /// <summary>This registry's anchor stream on the shared NATS server.</summary>
    public string AnchorStream { get; } = $"ANCHORS_{Guid.NewGuid():N}";

    public string IngestStream { get; } = $"DECISIONS_{Guid.NewGuid():N}";

    public string IngestSubject => $"decisions.{IngestStream}";

    /// <summary>Starts another registry instance on the same database and key ring (a restart when the first is disposed).</summary>
    public (RegistryFactory Factory, GrpcChannel Channel) Start(Dictionary<string, string?>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null)
    {
        var factory = new RegistryFactory(settings ?? Settings(), configureServices: configureServices);
        _factories.Add(factory);
        var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        return (factory, channel);
    }

    public Metadata AdminHeaders(string userName, params string[] roles) => new()
    {
        { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevKey, userName, roles, TimeProvider.System)}" },
    };

    public Metadata Manager => AdminHeaders("morgan", AdminRoles.PluginManager);

    public static Metadata PluginHeaders(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>Installs as a plugin manager; the registration credential the install returned is kept for the register helpers.</summary>
    public async Task<PluginDetail> InstallAsync(string id, bool enableOnRegister = false, string? manifestJson = null)
    {
        var response = await Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifestJson ?? TestManifests.Json(id), EnableOnRegister = enableOnRegister }, Manager);
        _credentials[response.Plugin.Summary.Id] = response.RegistrationCredential.Secret;
        return response.Plugin;
    }

    /// <summary>The latest registration credential issued to <paramref name="id"/> through <see cref="InstallAsync"/> or <see cref="RotateCredentialAsync"/>.</summary>
    public string? CredentialOf(string id) => _credentials.GetValueOrDefault(id);

    /// <summary>Rotates the credential of <paramref name="id"/> as a plugin manager and keeps the new one.</summary>
    public async Task<RotateRegistrationCredentialResponse> RotateCredentialAsync(string id, GrpcChannel? channel = null)
    {
        var admin = channel is null ? Admin : new RegistryAdmin.RegistryAdminClient(channel);
        var response = await admin.RotateRegistrationCredentialAsync(new RegistrationCredentialRequest { Id = id }, Manager);
        _credentials[id] = response.Credential.Secret;
        return response;
    }

    /// <summary>
    /// POST /plugins/register as a plugin would, with <paramref name="credential"/>, by default the one kept for the
    /// manifest's id (an empty string sends none).
    /// </summary>
    public async Task<HttpResponseMessage> RegisterRestAsync(JsonNode manifest, string address = "http://127.0.0.1:5300", RegistryFactory? factory = null,
        string? credential = null)
    {
        using var client = (factory ?? Factory).CreateClient();
        var id = manifest["id"]?.GetValueKind() == JsonValueKind.String ? manifest["id"]!.GetValue<string>() : string.Empty;
        var body = new JsonObject { ["manifest"] = manifest.DeepClone(), ["address"] = address };
        if ((credential ?? CredentialOf(id)) is { Length: > 0 } presented)
        {
            body["registration_credential"] = presented;
        }

        return await client.PostAsJsonAsync("/plugins/register", body);
    }

    public async Task<JsonElement> RegisterRestOkAsync(string id, string address = "http://127.0.0.1:5300")
    {
        using var response = await RegisterRestAsync(TestManifests.Manifest(id), address);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        return body;
    }

    public async Task<HttpResponseMessage> PostWithTokenAsync(string path, string token, JsonNode? body = null, RegistryFactory? factory = null)
    {
        using var client = (factory ?? Factory).CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }

    public async Task<IReadOnlyList<AuditRow>> AuditRowsAsync(string target)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select actor, action, target, outcome, reason, correlation_id, details::text from audit_log where target = @target order by id", connection);
        command.Parameters.AddWithValue("target", target);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AuditRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }

    /// <summary>
    /// Refusals the audit log accounts for among the rows matching <paramref name="where"/>. Identical refusals from one
    /// source are folded into counted rows (issue 7 section 5), so every open fold window is closed first and the rows'
    /// counts are summed: a count of rows alone would depend on which tests refused the same thing before.
    /// </summary>
    public async Task<long> AuditedRefusalsAsync(string where, params (string Name, object Value)[] parameters)
    {
        await Factory.Services.GetRequiredService<AuditRefusalFolding>().FlushAsync(all: true, CancellationToken.None);
        return await ScalarAsync<long>(
            $"select coalesce(sum(coalesce((details->>'count')::bigint, 1)), 0)::bigint from audit_log where outcome = 'refused' and ({where})",
            parameters);
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}

public sealed record AuditRow(string Actor, string Action, string Target, string Outcome, string Reason, string CorrelationId, string Details);
