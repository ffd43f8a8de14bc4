using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// The Operator lane as it runs in production, each part its own process: the real registry (Release, a fresh
/// database on the benchmark's PostgreSQL, the benchmark's nats-server, trusting the gateway's service key) and the
/// real gateway (Release, its policy stream and JWKS from that registry, its decision audit to JetStream). Two plugins
/// are installed and registered through the registry's own APIs: a target (at the benchmark's target server) and a
/// caller that depends on it, whose plugin token the load presents.
/// </summary>
internal sealed class GatewayPlatform : IAsyncDisposable
{
    public const string GatewayService = "core-gateway";
    public const string TargetId = "bench-target";
    public const string CallerId = "bench-caller";

    /// <summary>The target's declared endpoints: the HTTP path the load requests and the gRPC method.</summary>
    public const string HttpPath = "/api/data";
    public const string GrpcPath = "/fabrix.bench.v1.Echo/Say";

    private readonly ChildProcess _registry;
    private readonly ChildProcess _gateway;
    private readonly string _serverConnection;

    private GatewayPlatform(ChildProcess registry, ChildProcess gateway, string serverConnection, string database, string databaseConnection,
        Uri gatewayHttp, Uri? gatewayGrpc)
    {
        _registry = registry;
        _gateway = gateway;
        _serverConnection = serverConnection;
        Database = database;
        DatabaseConnection = databaseConnection;
        GatewayHttp = gatewayHttp;
        GatewayGrpc = gatewayGrpc;
    }

    public string Database { get; }

    public string DatabaseConnection { get; }

    public Uri GatewayHttp { get; }

    /// <summary>The gateway's h2c endpoint (gateway-grpc only).</summary>
    public Uri? GatewayGrpc { get; }

    /// <summary>The caller's plugin token (ES256, issued by the registry on registration).</summary>
    public string CallerToken { get; private set; } = string.Empty;

    /// <summary>The gateway's process id (its CPU time is read from /proc).</summary>
    public int GatewayPid => _gateway.Id;

    /// <summary>
    /// CPU time so far of what the decision audit keeps busy besides the gateway: the registry (ingesting into the
    /// chain), nats-server (<c>nats-fixed.pid</c>, written by run.sh) and PostgreSQL. Zero for a part not found.
    /// </summary>
    public TimeSpan AuditPathCpu()
    {
        var cpu = (_registry.Id > 0 ? ProcessCpu.Of(_registry.Id) : TimeSpan.Zero) + (_postgres?.Sample() ?? TimeSpan.Zero);
        return _natsPid > 0 && File.Exists($"/proc/{_natsPid}/stat") ? cpu + ProcessCpu.Of(_natsPid) : cpu;
    }

    private PostgresServerCpu? _postgres;
    private int _natsPid;

    /// <summary>
    /// Starts the registry, installs and registers the target (at <paramref name="targetAddress"/>) and the caller,
    /// starts the gateway and waits until a call through it reaches the target.
    /// </summary>
    public static async Task<GatewayPlatform> StartAsync(GatewayBenchArguments arguments, string targetAddress, bool grpc, TextWriter log,
        CancellationToken cancellationToken)
    {
        var database = $"fabrix_bench_gateway_{Guid.NewGuid().ToString("N")[..8]}";
        await BenchProcess.ExecuteAsync(arguments.Connection, $"create database \"{database}\"", cancellationToken);
        var databaseConnection = new NpgsqlConnectionStringBuilder(arguments.Connection) { Database = database }.ConnectionString;

        var keys = Directory.CreateDirectory(Path.Combine(arguments.WorkFolder, "gateway-keys")).FullName;
        var devKey = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(keys, "dev-admin.pem"));
        var serviceKey = ServiceToken.EnsureKeyFile(Path.Combine(keys, $"{GatewayService}.pem"));
        var servicePublicKey = ServiceToken.WritePublicKeyFile(serviceKey, Path.Combine(keys, $"{GatewayService}.pub.pem"));

        var registryHttp = new Uri($"http://127.0.0.1:{FreePort()}");
        var registryGrpc = new Uri($"http://127.0.0.1:{FreePort()}");
        var registry = new ChildProcess("registry", arguments.WorkFolder, BenchProcess.Dotnet(arguments.Registry, [
            // Development: the registry accepts administrator tokens signed with the development key (installing the plugins).
            ("ASPNETCORE_ENVIRONMENT", "Development"),
            ("Kestrel__Endpoints__http__Url", registryHttp.ToString()),
            ("Kestrel__Endpoints__grpc__Url", registryGrpc.ToString()),
            ("Kestrel__Endpoints__grpc__Protocols", "Http2"),
            ("ConnectionStrings__registry", databaseConnection),
            ("ConnectionStrings__nats", arguments.NatsUrl),
            ("Fabrix__Registry__KeyRingPath", Path.Combine(arguments.WorkFolder, "keyring")),
            (DevelopmentAdminToken.KeyFileEnvironmentVariable, devKey),
            ($"Fabrix__Registry__ServiceIdentity__TrustedServices__{GatewayService}", servicePublicKey),
            // The target's health is not what is measured: unknown is served (Core.Lanes/Operator/README.md, check 7).
            ("Fabrix__Registry__Health__Enabled", "false"),
            ("Fabrix__Registry__RateLimiting__Enabled", "false"),
            ("Logging__LogLevel__Default", "Warning"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")]));

        var gatewayHttp = new Uri($"http://127.0.0.1:{FreePort()}");
        Uri? gatewayGrpc = grpc ? new Uri($"http://127.0.0.1:{FreePort()}") : null;
        (string, string)[] gatewaySettings = [
            ("ASPNETCORE_ENVIRONMENT", "Production"),
            ("Kestrel__Endpoints__http__Url", gatewayHttp.ToString()),
            ("ConnectionStrings__nats", arguments.NatsUrl),
            ("Fabrix__Lanes__Identity__Name", GatewayService),
            ("Fabrix__Lanes__Identity__KeyPath", serviceKey),
            ("Fabrix__Lanes__Policy__RegistryAddress", registryGrpc.ToString()),
            ("Fabrix__Lanes__Tokens__JwksAddress", new Uri(registryHttp, PluginTokenClaims.JwksPath).ToString()),
            ("Fabrix__Lanes__Audit__Service", GatewayService),
            // One caller sends all the load: its bucket must not be what limits the rate (the limiter still runs).
            ("Fabrix__Gateway__Limits__RateLimit__TokensPerSecond", "1000000"),
            ("Fabrix__Gateway__Limits__RateLimit__Burst", "1000000"),
            ("Logging__LogLevel__Default", "Warning"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")];
        if (gatewayGrpc is not null)
        {
            // The gateway's h2c endpoint for gRPC and the target's gRPC address (Core.Gateway/README.md, "gRPC (h2c
            // endpoint)"): a plugin registers one address, so a target's h2c address is the gateway's configuration.
            gatewaySettings = [.. gatewaySettings,
                ("Kestrel__Endpoints__H2c__Url", gatewayGrpc.ToString()),
                ("Kestrel__Endpoints__H2c__Protocols", "Http2"),
                ($"Fabrix__Gateway__GrpcTargets__{TargetId}", targetAddress)];
        }

        var gateway = new ChildProcess("gateway", arguments.WorkFolder, BenchProcess.Dotnet(arguments.Gateway, gatewaySettings));
        var platform = new GatewayPlatform(registry, gateway, arguments.Connection, database, databaseConnection, gatewayHttp, gatewayGrpc);
        try
        {
            registry.Start();
            await BenchProcess.WaitHealthyAsync("registry", registryHttp, registry, cancellationToken);
            using var channel = GrpcChannel.ForAddress(registryGrpc);
            var admin = new RegistryAdmin.RegistryAdminClient(channel);
            var manager = new Metadata
            {
                { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(devKey), "bench", [AdminRoles.PluginManager], TimeProvider.System)}" },
            };
            await InstallAsync(admin, manager, registryHttp, Manifest(TargetId, dependencies: []), targetAddress, cancellationToken);
            platform.CallerToken = await InstallAsync(admin, manager, registryHttp, Manifest(CallerId, dependencies: [TargetId]),
                "http://127.0.0.1:9", cancellationToken);
            log.WriteLine($"registry pid {registry.Id} ({registryHttp}, gRPC {registryGrpc}), database {database}; plugins {TargetId} at {targetAddress} and {CallerId} installed");

            await using (var dataSource = NpgsqlDataSource.Create(databaseConnection))
            {
                platform._postgres = await PostgresServerCpu.LocateAsync(dataSource, cancellationToken);
            }

            var natsPidFile = Path.Combine(arguments.WorkFolder, "nats-fixed.pid");
            platform._natsPid = File.Exists(natsPidFile) && int.TryParse(File.ReadAllText(natsPidFile).Trim(), CultureInfo.InvariantCulture, out var natsPid) ? natsPid : 0;

            gateway.Start();
            await BenchProcess.WaitHealthyAsync("gateway", gatewayHttp, gateway, cancellationToken);
            log.WriteLine($"gateway pid {gateway.Id} ({gatewayHttp}{(gatewayGrpc is null ? string.Empty : $", h2c {gatewayGrpc}")})");
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>Operator-lane decisions in the audit chain: the decision audit kept up with the load.</summary>
    public async Task<long> AuditedDecisionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnection);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select count(*) from audit_log where action = 'lane.operator.forward'", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _registry.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await BenchProcess.ExecuteAsync(_serverConnection, $"drop database if exists \"{Database}\" with (force)", CancellationToken.None);
    }

    /// <summary>A manifest the registry's validator accepts, declaring the benchmark's HTTP endpoint and gRPC method.</summary>
    private static JsonObject Manifest(string id, string[] dependencies) => new()
    {
        ["id"] = id,
        ["name"] = $"Benchmark {id}",
        ["version"] = "1.0.0",
        ["description"] = "Gateway benchmark plugin (benchmarks/README.md)",
        ["contracts"] = new JsonArray("ProcessingPlugin"),
        ["traits"] = new JsonArray("audit_required"),
        ["dependencies"] = new JsonArray([.. dependencies.Select(d => (JsonNode)d)]),
        ["allowed_domains"] = new JsonArray(),
        ["endpoints"] = new JsonObject { ["data"] = $"GET {HttpPath}", ["say"] = $"POST {GrpcPath}" },
        ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("internal") },
        ["compliance"] = new JsonObject { ["hipaa_controls"] = new JsonArray(), ["audit_level"] = "basic" },
    };

    /// <summary>Installs <paramref name="manifest"/> (enabled on register), registers it at <paramref name="address"/>; its plugin token.</summary>
    private static async Task<string> InstallAsync(RegistryAdmin.RegistryAdminClient admin, Metadata manager, Uri registryHttp, JsonObject manifest,
        string address, CancellationToken cancellationToken)
    {
        var installed = await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, manager,
            cancellationToken: cancellationToken);
        using var client = new HttpClient { BaseAddress = registryHttp };
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An Authorization header value presenting <paramref name="token"/>.</summary>
    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
