using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using EventsClient = Fabrix.Contracts.Events.V1.Events.EventsClient;

namespace Fabrix.Core.Events.Tests.Infrastructure;

/// <summary>
/// The Canonical lane on the real platform pieces: the registry (PostgreSQL, NATS) trusting Core.Events' service key,
/// and Core.Events on its test server with its own streams on the shared JetStream server (file storage). Core.Events
/// can be restarted (<see cref="RestartAsync"/>): the streams and durable consumers stay in NATS.
/// </summary>
public class EventsPlatform(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    public const string ServiceName = "events";
    private LaneTestRegistry _lane = null!;
    private GrpcChannel? _adminChannel;
    private GrpcChannel? _eventsChannel;
    private Dictionary<string, string?> _settings = null!;

    public EventsFactory Events { get; private set; } = null!;

    public string ConnectionString => _lane.ConnectionString;

    public string Stream { get; } = $"CANONICAL_{Guid.NewGuid():N}";

    public string DeadLetterStream { get; } = $"CANONICAL_DLQ_{Guid.NewGuid():N}";

    public string DeadLetterSubjectPrefix { get; private set; } = string.Empty;

    public RegistryAdmin.RegistryAdminClient Admin => new(_adminChannel!);

    /// <summary>The registry's plugin API (token renewal answers carry a push plugin's current secret).</summary>
    public PluginRegistry.PluginRegistryClient Plugins => new(_adminChannel!);

    public Metadata Manager { get; private set; } = null!;

    /// <summary>Lane limit overrides (role plugin_manager with <see cref="Manager"/>).</summary>
    public Fabrix.Contracts.Policy.V1.PolicyAdmin.PolicyAdminClient PolicyAdmin => new(_adminChannel!);

    public EventsClient Client => new(_eventsChannel!);

    /// <summary>The registry's EventsAdmin (issue 11 section 5); call it with <see cref="AdministratorAs"/>.</summary>
    public Fabrix.Contracts.Events.V1.EventsAdmin.EventsAdminClient EventsAdmin => new(_adminChannel!);

    /// <summary>This platform's control subjects (the registry → Core.Events), unique so that platforms can share NATS.</summary>
    public string ControlSubjectPrefix { get; } = $"control.{Guid.NewGuid():N}";

    /// <summary>A development administrator token with one role.</summary>
    public Metadata AdministratorAs(string name, string role) => new()
    {
        { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(_lane.DevAdminKeyFile), name, [role], TimeProvider.System)}" },
    };

    /// <summary>The registry's own audit rows (administrator actions) whose action starts with <paramref name="actionPrefix"/>.</summary>
    public async Task<IReadOnlyList<AuditRow>> RegistryAuditRowsAsync(string actionPrefix)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select actor, action, target, outcome, reason, correlation_id, details::text from audit_log where action like @action order by id", connection);
        command.Parameters.AddWithValue("action", actionPrefix + "%");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AuditRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }

    public NatsJSContext JetStream { get; private set; } = null!;

    private NatsConnection? _nats;

    public async ValueTask InitializeAsync()
    {
        _lane = await LaneTestRegistry.CreateAsync(postgres, nats, ServiceName,
            new Dictionary<string, string?> { ["Fabrix:Registry:Events:ControlSubjectPrefix"] = ControlSubjectPrefix });
        _adminChannel = GrpcChannel.ForAddress(_lane.Registry.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _lane.Registry.Server.CreateHandler() });
        Manager = new Metadata
        {
            { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(_lane.DevAdminKeyFile), "morgan", [AdminRoles.PluginManager], TimeProvider.System)}" },
        };
        var prefix = $"canonical.{Guid.NewGuid():N}";
        DeadLetterSubjectPrefix = prefix + "-dlq";
        _settings = _lane.LaneSettings();
        _settings["Fabrix:Events:Streams:Stream"] = Stream;
        _settings["Fabrix:Events:Streams:SubjectPrefix"] = prefix;
        _settings["Fabrix:Events:Streams:DeadLetterStream"] = DeadLetterStream;
        _settings["Fabrix:Events:Streams:DeadLetterSubjectPrefix"] = DeadLetterSubjectPrefix;
        _settings["Fabrix:Events:Streams:DuplicateWindow"] = "00:01:00";
        _settings["Fabrix:Events:Delivery:AckWait"] = "00:00:02";
        _settings["Fabrix:Events:Delivery:MaxDeliveries"] = "3";
        _settings["Fabrix:Events:Delivery:NackBackoff:0"] = "00:00:00.100";
        _settings["Fabrix:Events:Publish:TokensPerSecond"] = "1000";
        _settings["Fabrix:Events:Publish:Burst"] = "1000";
        _settings["Fabrix:Events:Control:SubjectPrefix"] = ControlSubjectPrefix;
        _settings["Fabrix:Events:Push:RefreshInterval"] = "00:00:00.500";
        Configure(_settings);
        _nats = new NatsConnection(NatsOpts.Default with { Url = nats.Url });
        JetStream = new NatsJSContext(_nats);
        await StartAsync();
    }

    /// <summary>Changes Core.Events' settings before it starts (a platform for tests that need other timings).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>Stops Core.Events and starts a new instance on the same streams.</summary>
    public async Task RestartAsync()
    {
        _eventsChannel?.Dispose();
        await Events.DisposeAsync();
        await StartAsync();
    }

    private async Task StartAsync()
    {
        Events = new EventsFactory(_lane, _settings);
        _eventsChannel = GrpcChannel.ForAddress(Events.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Events.Server.CreateHandler() });
        await Eventually.UntilAsync(() => Task.FromResult(Events.Services.GetRequiredService<PolicySnapshotClient>().Current.IsUsable),
            TimeSpan.FromSeconds(30), "Core.Events holds a policy snapshot", CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        _eventsChannel?.Dispose();
        await Events.DisposeAsync();
        _adminChannel?.Dispose();
        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }

        await _lane.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A manifest (seed 004's example) with <paramref name="publishes"/> and <paramref name="subscribes"/>.</summary>
    public static JsonObject Manifest(string id, string[] publishes, string[] subscribes)
    {
        var manifest = TestManifests.Manifest(id);
        manifest["events"] = new JsonObject
        {
            ["publishes"] = new JsonArray([.. publishes.Select(p => (JsonNode)p)]),
            ["subscribes"] = new JsonArray([.. subscribes.Select(s => (JsonNode)s)]),
        };
        return manifest;
    }

    /// <summary>Installs and registers <paramref name="manifest"/> (enabled on register); returns its plugin token.</summary>
    public async Task<string> InstallActiveAsync(JsonObject manifest) =>
        (await InstallActiveAsync(manifest, "http://127.0.0.1:9")).GetProperty("token").GetString()!;

    /// <summary>Installs and registers <paramref name="manifest"/> from <paramref name="address"/> (enabled on register); returns the registration answer.</summary>
    public async Task<JsonElement> InstallActiveAsync(JsonObject manifest, string address)
    {
        var id = manifest["id"]!.GetValue<string>();
        var installed = await Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, Manager);
        using var client = _lane.Registry.CreateClient();
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = address,
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        await WaitForPolicyAsync(id, p => p.IsActive, $"{id} is active at Core.Events");
        return body;
    }

    public async Task EnableAsync(string id) =>
        await Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "resolved" }, Manager);

    /// <summary>Runs <paramref name="sql"/> on the registry's database (tests that need a state no valid manifest gives).</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    public async Task DisableAsync(string id) =>
        await Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "incident", Cascade = true }, Manager);

    public Task WaitForPolicyAsync(string id, Func<PluginPolicy, bool> condition, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(Events.Services.GetRequiredService<PolicySnapshotClient>().Current.Snapshot?.Find(id) is { } entry && condition(entry)),
            TimeSpan.FromSeconds(30), what, CancellationToken.None);

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>Canonical lane decisions in the audit chain for <paramref name="pluginId"/> (waits until at least <paramref name="atLeast"/>).</summary>
    public async Task<IReadOnlyList<AuditRow>> AuditRowsAsync(string pluginId, int atLeast)
    {
        return await Eventually.ForAsync(() => ReadAuditAsync(pluginId), rows => rows.Count >= atLeast, TimeSpan.FromSeconds(30),
            $"{atLeast} canonical lane audit rows of {pluginId}", CancellationToken.None);
    }

    private async Task<IReadOnlyList<AuditRow>> ReadAuditAsync(string pluginId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select actor, action, target, outcome, reason, correlation_id, details::text from audit_log where actor like @actor and action like 'lane.canonical.%' order by id", connection);
        command.Parameters.AddWithValue("actor", "%" + pluginId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AuditRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }
}

/// <summary>Core.Events with its configuration given as settings; the registry is reached through its test server.</summary>
public sealed class EventsFactory(LaneTestRegistry registry, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<EventsApp>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder) => registry.ConfigureLane(builder, settings);
}
