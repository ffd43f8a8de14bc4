using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace Fabrix.Benchmarks.Events;

/// <summary>A plugin the benchmark installs: the canonical types it publishes and subscribes to.</summary>
internal sealed record BenchPlugin(string Id, string[] Publishes, string[] Subscribes);

/// <summary>
/// The Canonical lane as it runs in production, each part its own process: the real registry (Release, a fresh database
/// on the benchmark's PostgreSQL, trusting Core.Events' service key) and the real Core.Events (Release, its policy stream
/// and JWKS from that registry, its decision audit to JetStream, both on the given nats-server). The benchmark's plugins
/// are installed and registered through the registry's own APIs; the load presents their tokens, so every publish runs
/// the token check, the policy check and the decision audit.
/// <para>
/// The per-plugin publish rate limit is raised above the offered load (the limiter still runs). With
/// <c>webhooks</c>, both run in Development with the webhook test allowance the Core.Events webhook tests use
/// (<c>Fabrix:Registry:Webhooks:UnsafeTestOnlyAllowedRange</c> 127.0.0.0/8 and
/// <c>Fabrix:Events:Webhooks:UnsafeTestOnlyAllowedRange</c> 127.0.0.1/32): a loopback http receiver counts as public,
/// everything else about the delivery (egress connector, signing, audit, consumers) is the production path.
/// </para>
/// </summary>
internal sealed class EventsBenchPlatform : IAsyncDisposable
{
    public const string EventsService = "core-events";

    private readonly ChildProcess _registry;
    private readonly ChildProcess _events;
    private readonly string _serverConnection;
    private readonly Uri _eventsHttp;
    private GrpcChannel? _registryChannel;

    private EventsBenchPlatform(ChildProcess registry, ChildProcess events, string serverConnection, string database, string databaseConnection,
        Uri registryGrpc, Uri eventsHttp, Uri eventsGrpc)
    {
        _registry = registry;
        _events = events;
        _serverConnection = serverConnection;
        Database = database;
        DatabaseConnection = databaseConnection;
        RegistryGrpc = registryGrpc;
        _eventsHttp = eventsHttp;
        EventsGrpc = eventsGrpc;
    }

    public string Database { get; }

    public string DatabaseConnection { get; }

    public Uri RegistryGrpc { get; }

    /// <summary>Core.Events' h2c endpoint (the gRPC <c>Events</c> service).</summary>
    public Uri EventsGrpc { get; }

    /// <summary>Each installed plugin's token (ES256, issued by the registry on registration).</summary>
    public Dictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>A plugin manager's administrator call metadata (development key).</summary>
    public Metadata Manager { get; private set; } = null!;

    /// <summary>The registry's gRPC channel (WebhooksAdmin).</summary>
    public GrpcChannel RegistryChannel => _registryChannel!;

    public int EventsPid => _events.Id;

    public int RegistryPid => _registry.Id;

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>Starts the registry, installs and registers <paramref name="plugins"/>, starts Core.Events and waits until it is healthy.</summary>
    public static async Task<EventsBenchPlatform> StartAsync(EventsBenchArguments arguments, string natsUrl, IReadOnlyList<BenchPlugin> plugins, bool webhooks,
        IEnumerable<(string Name, string Value)> eventsSettings, TextWriter log, CancellationToken cancellationToken)
    {
        var database = $"fabrix_bench_events_{Guid.NewGuid().ToString("N")[..8]}";
        await BenchProcess.ExecuteAsync(arguments.Connection, $"create database \"{database}\"", cancellationToken);
        var databaseConnection = new NpgsqlConnectionStringBuilder(arguments.Connection) { Database = database }.ConnectionString;

        var keys = Directory.CreateDirectory(Path.Combine(arguments.WorkFolder, "events-keys")).FullName;
        var devKey = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(keys, "dev-admin.pem"));
        var serviceKey = ServiceToken.EnsureKeyFile(Path.Combine(keys, $"{EventsService}.pem"));
        var servicePublicKey = ServiceToken.WritePublicKeyFile(serviceKey, Path.Combine(keys, $"{EventsService}.pub.pem"));

        var registryHttp = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        var registryGrpc = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        List<(string, string)> registrySettings = [
            // Development: the registry accepts administrator tokens signed with the development key (installing the plugins).
            ("ASPNETCORE_ENVIRONMENT", "Development"),
            ("Kestrel__Endpoints__http__Url", registryHttp.ToString()),
            ("Kestrel__Endpoints__grpc__Url", registryGrpc.ToString()),
            ("Kestrel__Endpoints__grpc__Protocols", "Http2"),
            ("ConnectionStrings__registry", databaseConnection),
            ("ConnectionStrings__nats", natsUrl),
            ("Fabrix__Registry__KeyRingPath", Path.Combine(arguments.WorkFolder, "keyring")),
            (DevelopmentAdminToken.KeyFileEnvironmentVariable, devKey),
            ($"Fabrix__Registry__ServiceIdentity__TrustedServices__{EventsService}", servicePublicKey),
            ("Fabrix__Registry__Health__Enabled", "false"),
            ("Fabrix__Registry__RateLimiting__Enabled", "false"),
            ("Logging__LogLevel__Default", "Warning"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")];
        var eventsHttp = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        var eventsGrpc = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        List<(string, string)> events = [
            ("ASPNETCORE_ENVIRONMENT", webhooks ? "Development" : "Production"),
            ("Kestrel__Endpoints__http__Url", eventsHttp.ToString()),
            ("Kestrel__Endpoints__grpc__Url", eventsGrpc.ToString()),
            ("Kestrel__Endpoints__grpc__Protocols", "Http2"),
            ("ConnectionStrings__nats", natsUrl),
            ("Fabrix__Lanes__Identity__Name", EventsService),
            ("Fabrix__Lanes__Identity__KeyPath", serviceKey),
            ("Fabrix__Lanes__Policy__RegistryAddress", registryGrpc.ToString()),
            ("Fabrix__Lanes__Tokens__JwksAddress", new Uri(registryHttp, PluginTokenClaims.JwksPath).ToString()),
            ("Fabrix__Lanes__Audit__Service", EventsService),
            // One plugin sends all the load: its bucket must not be what limits the rate (the limiter still runs).
            ("Fabrix__Events__Publish__TokensPerSecond", "1000000"),
            ("Fabrix__Events__Publish__Burst", "1000000"),
            ("Logging__LogLevel__Default", "Warning"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")];
        if (webhooks)
        {
            registrySettings.Add(("Fabrix__Registry__Webhooks__UnsafeTestOnlyAllowedRange", "127.0.0.0/8"));
            events.Add(("Fabrix__Events__Webhooks__UnsafeTestOnlyAllowedRange", "127.0.0.1/32"));
            events.Add(("Fabrix__Events__Webhooks__RefreshInterval", "00:00:00.500"));
        }

        events.AddRange(eventsSettings);
        var registry = new ChildProcess("registry", arguments.WorkFolder, BenchProcess.Dotnet(arguments.Registry, registrySettings));
        var eventsProcess = new ChildProcess("events", arguments.WorkFolder, BenchProcess.Dotnet(arguments.Events, events));
        var platform = new EventsBenchPlatform(registry, eventsProcess, arguments.Connection, database, databaseConnection, registryGrpc, eventsHttp, eventsGrpc);
        try
        {
            registry.Start();
            await BenchProcess.WaitHealthyAsync("registry", registryHttp, registry, cancellationToken);
            platform._registryChannel = GrpcChannel.ForAddress(registryGrpc);
            var admin = new RegistryAdmin.RegistryAdminClient(platform._registryChannel);
            platform.Manager = new Metadata
            {
                { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(devKey), "bench", [AdminRoles.PluginManager], TimeProvider.System)}" },
            };
            foreach (var plugin in plugins)
            {
                platform.Tokens[plugin.Id] = await InstallAsync(admin, platform.Manager, registryHttp, Manifest(plugin), cancellationToken);
            }

            log.WriteLine($"registry pid {registry.Id} ({registryHttp}, gRPC {registryGrpc}), database {database}; plugins {string.Join(", ", plugins.Select(p => p.Id))} installed");
            await platform.StartEventsAsync(cancellationToken);
            log.WriteLine($"Core.Events pid {eventsProcess.Id} ({eventsHttp}, h2c {eventsGrpc})");
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts Core.Events (again) and waits until it is healthy.</summary>
    public async Task StartEventsAsync(CancellationToken cancellationToken)
    {
        _events.Start();
        await BenchProcess.WaitHealthyAsync("Core.Events", _eventsHttp, _events, cancellationToken);
    }

    /// <summary>kill -9 of Core.Events.</summary>
    public Task KillEventsAsync() => _events.KillAsync();

    public async ValueTask DisposeAsync()
    {
        _registryChannel?.Dispose();
        await _events.DisposeAsync();
        await _registry.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await BenchProcess.ExecuteAsync(_serverConnection, $"drop database if exists \"{Database}\" with (force)", CancellationToken.None);
    }

    private static JsonObject Manifest(BenchPlugin plugin) => new()
    {
        ["id"] = plugin.Id,
        ["name"] = $"Benchmark plugin {plugin.Id}",
        ["version"] = "1.0.0",
        ["description"] = "Events benchmark plugin (benchmarks/README.md)",
        ["contracts"] = new JsonArray("ProcessingPlugin"),
        ["traits"] = new JsonArray("audit_required"),
        ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("internal") },
        ["compliance"] = new JsonObject { ["hipaa_controls"] = new JsonArray(), ["audit_level"] = "basic" },
        ["events"] = new JsonObject
        {
            ["publishes"] = new JsonArray([.. plugin.Publishes.Select(p => (JsonNode)p)]),
            ["subscribes"] = new JsonArray([.. plugin.Subscribes.Select(s => (JsonNode)s)]),
        },
    };

    /// <summary>Installs the manifest (enabled on register) and registers the plugin; its plugin token.</summary>
    private static async Task<string> InstallAsync(RegistryAdmin.RegistryAdminClient admin, Metadata manager, Uri registryHttp, JsonObject manifest,
        CancellationToken cancellationToken)
    {
        var installed = await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, manager,
            cancellationToken: cancellationToken);
        using var client = new HttpClient { BaseAddress = registryHttp };
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = "http://127.0.0.1:9",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        }, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Registering {manifest["id"]} failed: {(int)response.StatusCode} {body}");
        }

        return body.GetProperty("token").GetString()!;
    }
}
