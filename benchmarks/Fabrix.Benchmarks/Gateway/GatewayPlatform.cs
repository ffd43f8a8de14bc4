using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
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

    private readonly BenchRegistry _registry;
    private readonly ChildProcess _gateway;

    private GatewayPlatform(BenchRegistry registry, ChildProcess gateway, Uri gatewayHttp, Uri? gatewayGrpc)
    {
        _registry = registry;
        _gateway = gateway;
        GatewayHttp = gatewayHttp;
        GatewayGrpc = gatewayGrpc;
    }

    public string Database => _registry.Database;

    public string DatabaseConnection => _registry.DatabaseConnection;

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
        var cpu = (_registry.Pid > 0 ? ProcessCpu.Of(_registry.Pid) : TimeSpan.Zero) + (_postgres?.Sample() ?? TimeSpan.Zero);
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
        var registry = await BenchRegistry.CreateAsync("gateway", GatewayService, arguments.Connection, arguments.NatsUrl, arguments.Registry,
            arguments.WorkFolder, [], cancellationToken);
        var gatewayHttp = new Uri($"http://127.0.0.1:{FreePort()}");
        Uri? gatewayGrpc = grpc ? new Uri($"http://127.0.0.1:{FreePort()}") : null;
        (string, string)[] gatewaySettings = [
            ("ASPNETCORE_ENVIRONMENT", "Production"),
            ("Kestrel__Endpoints__http__Url", gatewayHttp.ToString()),
            .. registry.LaneSettings(),
            // One caller sends all the load: its bucket must not be what limits the rate (the limiter still runs).
            ("Fabrix__Gateway__Limits__RateLimit__TokensPerSecond", "1000000"),
            ("Fabrix__Gateway__Limits__RateLimit__Burst", "1000000")];
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
        var platform = new GatewayPlatform(registry, gateway, gatewayHttp, gatewayGrpc);
        try
        {
            await registry.StartAsync(cancellationToken);
            await registry.InstallAsync(Manifest(TargetId, dependencies: []), targetAddress, cancellationToken);
            platform.CallerToken = await registry.InstallAsync(Manifest(CallerId, dependencies: [TargetId]), "http://127.0.0.1:9", cancellationToken);
            log.WriteLine($"registry pid {registry.Pid} ({registry.Http}, gRPC {registry.Grpc}), database {registry.Database}; plugins {TargetId} at {targetAddress} and {CallerId} installed");

            await using (var dataSource = NpgsqlDataSource.Create(registry.DatabaseConnection))
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An Authorization header value presenting <paramref name="token"/>.</summary>
    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
