using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace Fabrix.Benchmarks;

/// <summary>
/// The real registry a lane benchmark (gateway, proxy, events) runs its lane against, the same way for each: a fresh
/// database <c>fabrix_bench_&lt;lane&gt;_&lt;random&gt;</c> on the benchmark's PostgreSQL (dropped on dispose), the keys in
/// <c>&lt;work&gt;/&lt;lane&gt;-keys</c> (the development administrator key and the lane's service key, which the registry
/// trusts), the registry's Release build started through <see cref="BenchProcess"/> in Development (it accepts
/// administrator tokens signed with the development key), a plugin manager's call metadata, and the plugins installed
/// and registered through the registry's own APIs.
/// </summary>
internal sealed class BenchRegistry : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _serverConnection;
    private readonly string _devKey;
    private readonly string _natsUrl;
    private readonly string _service;
    private GrpcChannel? _channel;

    private BenchRegistry(ChildProcess process, string serverConnection, string database, string databaseConnection, string devKey, string serviceKey,
        string natsUrl, string service, Uri http, Uri grpc)
    {
        _process = process;
        _serverConnection = serverConnection;
        Database = database;
        DatabaseConnection = databaseConnection;
        _devKey = devKey;
        ServiceKey = serviceKey;
        _natsUrl = natsUrl;
        _service = service;
        Http = http;
        Grpc = grpc;
    }

    public string Database { get; }

    public string DatabaseConnection { get; }

    /// <summary>The lane's service key (private PEM), which the lane signs its service tokens with.</summary>
    public string ServiceKey { get; }

    public Uri Http { get; }

    public Uri Grpc { get; }

    /// <summary>The registry's gRPC channel (after <see cref="StartAsync"/>).</summary>
    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("The registry is not started.");

    /// <summary>A plugin manager's administrator call metadata (development key), after <see cref="StartAsync"/>.</summary>
    public Metadata Manager { get; private set; } = null!;

    /// <summary>The registry's process id (0 when not running).</summary>
    public int Pid => _process.Id;

    /// <summary>
    /// Creates the database and the keys and prepares the registry's process (not started) for the lane
    /// <paramref name="lane"/> whose service is <paramref name="service"/>; <paramref name="settings"/> come after the
    /// common ones.
    /// </summary>
    public static async Task<BenchRegistry> CreateAsync(string lane, string service, string serverConnection, string natsUrl, string registryDll,
        string workFolder, IEnumerable<(string Name, string Value)> settings, CancellationToken cancellationToken)
    {
        var database = $"fabrix_bench_{lane}_{Guid.NewGuid().ToString("N")[..8]}";
        await BenchProcess.ExecuteAsync(serverConnection, $"create database \"{database}\"", cancellationToken);
        var databaseConnection = new NpgsqlConnectionStringBuilder(serverConnection) { Database = database }.ConnectionString;

        var keys = Directory.CreateDirectory(Path.Combine(workFolder, $"{lane}-keys")).FullName;
        var devKey = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(keys, "dev-admin.pem"));
        var serviceKey = ServiceToken.EnsureKeyFile(Path.Combine(keys, $"{service}.pem"));
        var servicePublicKey = ServiceToken.WritePublicKeyFile(serviceKey, Path.Combine(keys, $"{service}.pub.pem"));

        var http = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        var grpc = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        var process = new ChildProcess("registry", workFolder, BenchProcess.Dotnet(registryDll, [
            // Development: the registry accepts administrator tokens signed with the development key (installing the plugins).
            ("ASPNETCORE_ENVIRONMENT", "Development"),
            ("Kestrel__Endpoints__http__Url", http.ToString()),
            ("Kestrel__Endpoints__grpc__Url", grpc.ToString()),
            ("Kestrel__Endpoints__grpc__Protocols", "Http2"),
            ("ConnectionStrings__registry", databaseConnection),
            ("ConnectionStrings__nats", natsUrl),
            ("Fabrix__Registry__KeyRingPath", Path.Combine(workFolder, "keyring")),
            (DevelopmentAdminToken.KeyFileEnvironmentVariable, devKey),
            ($"Fabrix__Registry__ServiceIdentity__TrustedServices__{service}", servicePublicKey),
            // A plugin's health is not what is measured: unknown is served (Core.Lanes/Operator/README.md, check 7).
            ("Fabrix__Registry__Health__Enabled", "false"),
            ("Fabrix__Registry__RateLimiting__Enabled", "false"),
            ("Logging__LogLevel__Default", "Warning"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
            .. settings]));
        return new BenchRegistry(process, serverConnection, database, databaseConnection, devKey, serviceKey, natsUrl, service, http, grpc);
    }

    /// <summary>
    /// The settings every lane needs to run against this registry: its NATS, its service identity, its policy stream and
    /// JWKS from this registry, its decision audit, and the benchmark's quiet logging.
    /// </summary>
    public IEnumerable<(string Name, string Value)> LaneSettings() =>
    [
        ("ConnectionStrings__nats", _natsUrl),
        ("Fabrix__Lanes__Identity__Name", _service),
        ("Fabrix__Lanes__Identity__KeyPath", ServiceKey),
        ("Fabrix__Lanes__Policy__RegistryAddress", Grpc.ToString()),
        ("Fabrix__Lanes__Tokens__JwksAddress", new Uri(Http, PluginTokenClaims.JwksPath).ToString()),
        ("Fabrix__Lanes__Audit__Service", _service),
        ("Logging__LogLevel__Default", "Warning"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
    ];

    /// <summary>Starts the registry, waits until it is healthy and opens its gRPC channel with a plugin manager's metadata.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _process.Start();
        await BenchProcess.WaitHealthyAsync("registry", Http, _process, cancellationToken);
        _channel = GrpcChannel.ForAddress(Grpc);
        Manager = new Metadata
        {
            { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(_devKey), "bench", [AdminRoles.PluginManager], TimeProvider.System)}" },
        };
    }

    /// <summary>Installs <paramref name="manifest"/> (enabled on register), registers it at <paramref name="address"/>; its plugin token.</summary>
    public async Task<string> InstallAsync(JsonObject manifest, string address, CancellationToken cancellationToken)
    {
        var admin = new RegistryAdmin.RegistryAdminClient(Channel);
        var installed = await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, Manager,
            cancellationToken: cancellationToken);
        using var client = new HttpClient { BaseAddress = Http };
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = address,
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        }, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Registering {manifest["id"]} failed: {(int)response.StatusCode} {body}");
        }

        return body.GetProperty("token").GetString()!;
    }

    /// <summary>Stops the registry and drops its database (dispose the lane first: it holds connections to the registry).</summary>
    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await _process.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await BenchProcess.ExecuteAsync(_serverConnection, $"drop database if exists \"{Database}\" with (force)", CancellationToken.None);
    }
}
