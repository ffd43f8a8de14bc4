using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Gateway;
using Npgsql;

namespace Fabrix.Benchmarks.Proxy;

/// <summary>
/// The Proxy lane as it runs in production, each part its own process: the real registry (Release, a fresh database on
/// the benchmark's PostgreSQL, the benchmark's nats-server, trusting the proxy's service key) and the real Core.Proxy
/// (Release, its policy stream and JWKS from that registry, its decision audit to JetStream). One plugin with trait
/// <c>external_service</c> and <c>allowed_domains: [bench.receiver.test]</c> is installed and registered through the
/// registry's own APIs; the load presents its token.
/// <para>
/// The local "internet" is the benchmark's receiver on 127.0.0.1. Core.Proxy refuses loopback and IP literals, so, as
/// the AppHost does for its receiver, the proxy runs in Development with the test-only allowance for 127.0.0.1/32 and
/// <c>bench.receiver.test</c> mapped to 127.0.0.1 (<c>Fabrix:Proxy:UnsafeTestOnly*</c>): the name is allowlisted, the
/// address is classified (and allowed only by that allowance), the token is checked, and every request is audited. Its
/// request quota is raised above the offered load so the limiter runs but does not refuse.
/// </para>
/// </summary>
internal sealed class ProxyBenchPlatform : IAsyncDisposable
{
    public const string ProxyService = "core-proxy";
    public const string PluginId = "bench-egress";
    public const string ReceiverHost = "bench.receiver.test";

    private readonly BenchRegistry _registry;
    private readonly ChildProcess _proxy;

    private ProxyBenchPlatform(BenchRegistry registry, ChildProcess proxy, Uri proxyAddress)
    {
        _registry = registry;
        _proxy = proxy;
        ProxyAddress = proxyAddress;
    }

    public string Database => _registry.Database;

    public string DatabaseConnection => _registry.DatabaseConnection;

    /// <summary>Core.Proxy's address (http://127.0.0.1:port).</summary>
    public Uri ProxyAddress { get; }

    /// <summary>The plugin's token (ES256, issued by the registry on registration).</summary>
    public string Token { get; private set; } = string.Empty;

    /// <summary>Core.Proxy's process id (its CPU time is read from /proc).</summary>
    public int ProxyPid => _proxy.Id;

    /// <summary>Starts the registry, installs and registers the plugin, starts the proxy and waits until it is healthy.</summary>
    public static async Task<ProxyBenchPlatform> StartAsync(ProxyBenchArguments arguments, TextWriter log, CancellationToken cancellationToken)
    {
        var registry = await BenchRegistry.CreateAsync("proxy", ProxyService, arguments.Connection, arguments.NatsUrl, arguments.Registry,
            arguments.WorkFolder, [], cancellationToken);
        var proxyAddress = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        var proxy = new ChildProcess("proxy", arguments.WorkFolder, BenchProcess.Dotnet(arguments.Proxy, [
            // Development only because the test-only allowance is refused elsewhere (Core.Proxy/README.md, Configuration).
            ("ASPNETCORE_ENVIRONMENT", "Development"),
            ("Kestrel__Endpoints__http__Url", proxyAddress.ToString()),
            .. registry.LaneSettings(),
            ("Fabrix__Proxy__UnsafeTestOnlyAllowedRange", "127.0.0.1/32"),
            ("Fabrix__Proxy__UnsafeTestOnlyHosts__0", $"{ReceiverHost}=127.0.0.1"),
            // One plugin sends all the load: its bucket must not be what limits the rate (the limiter still runs).
            ("Fabrix__Proxy__Limits__RequestsPerSecond", "1000000"),
            ("Fabrix__Proxy__Limits__Burst", "1000000")]));
        var platform = new ProxyBenchPlatform(registry, proxy, proxyAddress);
        try
        {
            await registry.StartAsync(cancellationToken);
            platform.Token = await registry.InstallAsync(Manifest(), "http://127.0.0.1:9", cancellationToken);
            log.WriteLine($"registry pid {registry.Pid} ({registry.Http}, gRPC {registry.Grpc}), database {registry.Database}; plugin {PluginId} installed (allowed_domains {ReceiverHost})");

            proxy.Start();
            await BenchProcess.WaitHealthyAsync("proxy", proxyAddress, proxy, cancellationToken);
            log.WriteLine($"proxy pid {proxy.Id} ({proxyAddress})");
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>Proxy-lane decisions of <paramref name="action"/> in the audit chain: the decision audit kept up with the load.</summary>
    public async Task<long> AuditedDecisionsAsync(string action, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnection);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select count(*) from audit_log where action = @action", connection);
        command.Parameters.AddWithValue("action", action);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _registry.DisposeAsync();
    }

    private static JsonObject Manifest() => new()
    {
        ["id"] = PluginId,
        ["name"] = "Benchmark egress plugin",
        ["version"] = "1.0.0",
        ["description"] = "Proxy benchmark plugin (benchmarks/README.md)",
        ["contracts"] = new JsonArray("ProcessingPlugin"),
        ["traits"] = new JsonArray("audit_required", "external_service"),
        ["allowed_domains"] = new JsonArray(ReceiverHost),
        ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("internal") },
        ["compliance"] = new JsonObject { ["hipaa_controls"] = new JsonArray(), ["audit_level"] = "basic" },
    };
}
