using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Gateway;
using Grpc.Core;
using Grpc.Net.Client;

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
    public const string EventsService = "events";

    private readonly BenchRegistry _registry;
    private readonly ChildProcess _events;
    private readonly Uri _eventsHttp;

    private EventsBenchPlatform(BenchRegistry registry, ChildProcess events, Uri eventsHttp, Uri eventsGrpc)
    {
        _registry = registry;
        _events = events;
        _eventsHttp = eventsHttp;
        EventsGrpc = eventsGrpc;
    }

    public string Database => _registry.Database;

    public string DatabaseConnection => _registry.DatabaseConnection;

    public Uri RegistryGrpc => _registry.Grpc;

    /// <summary>Core.Events' h2c endpoint (the gRPC <c>Events</c> service).</summary>
    public Uri EventsGrpc { get; }

    /// <summary>Each installed plugin's token (ES256, issued by the registry on registration).</summary>
    public Dictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>A plugin manager's administrator call metadata (development key).</summary>
    public Metadata Manager => _registry.Manager;

    /// <summary>The registry's gRPC channel (WebhooksAdmin).</summary>
    public GrpcChannel RegistryChannel => _registry.Channel;

    public int EventsPid => _events.Id;

    public int RegistryPid => _registry.Pid;

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>Starts the registry, installs and registers <paramref name="plugins"/>, starts Core.Events and waits until it is healthy.</summary>
    public static async Task<EventsBenchPlatform> StartAsync(EventsBenchArguments arguments, string natsUrl, IReadOnlyList<BenchPlugin> plugins, bool webhooks,
        IEnumerable<(string Name, string Value)> eventsSettings, TextWriter log, CancellationToken cancellationToken)
    {
        var registry = await BenchRegistry.CreateAsync("events", EventsService, arguments.Connection, natsUrl, arguments.Registry, arguments.WorkFolder,
            webhooks ? [("Fabrix__Registry__Webhooks__UnsafeTestOnlyAllowedRange", "127.0.0.0/8")] : [], cancellationToken);
        var eventsHttp = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        var eventsGrpc = new Uri($"http://127.0.0.1:{GatewayPlatform.FreePort()}");
        List<(string, string)> events = [
            ("ASPNETCORE_ENVIRONMENT", webhooks ? "Development" : "Production"),
            ("Kestrel__Endpoints__http__Url", eventsHttp.ToString()),
            ("Kestrel__Endpoints__grpc__Url", eventsGrpc.ToString()),
            ("Kestrel__Endpoints__grpc__Protocols", "Http2"),
            .. registry.LaneSettings(),
            // One plugin sends all the load: its bucket must not be what limits the rate (the limiter still runs).
            ("Fabrix__Events__Publish__TokensPerSecond", "1000000"),
            ("Fabrix__Events__Publish__Burst", "1000000")];
        if (webhooks)
        {
            // The endpoint is picked up from the registry's change notice; the poll keeps its default (1 min). A 0.5 s poll
            // here cost the registry a token check, a database read and the secrets' decryption twice a second, and
            // Core.Events a read and a reconcile, all through the measurements.
            events.Add(("Fabrix__Events__Webhooks__UnsafeTestOnlyAllowedRange", "127.0.0.1/32"));
        }

        events.AddRange(eventsSettings);
        events.AddRange(ExtraEnvironment(Environment.GetEnvironmentVariable(ExtraEnvironmentVariable)));

        var eventsProcess = new ChildProcess("events", arguments.WorkFolder, BenchProcess.Dotnet(arguments.Events, events));
        var platform = new EventsBenchPlatform(registry, eventsProcess, eventsHttp, eventsGrpc);
        try
        {
            await registry.StartAsync(cancellationToken);
            foreach (var plugin in plugins)
            {
                platform.Tokens[plugin.Id] = await registry.InstallAsync(Manifest(plugin), "http://127.0.0.1:9", cancellationToken);
            }

            log.WriteLine($"registry pid {registry.Pid} ({registry.Http}, gRPC {registry.Grpc}), database {registry.Database}; plugins {string.Join(", ", plugins.Select(p => p.Id))} installed");
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

    /// <summary>
    /// For experiments (README "Trying a setting"): <c>FABRIX_BENCH_EVENTS_ENV="NAME=value;NAME=value"</c> adds environment
    /// variables to Core.Events' process only, after the benchmark's own, so a runtime or Core.Events setting can be
    /// compared against the defaults without touching the baseline's process.
    /// </summary>
    internal const string ExtraEnvironmentVariable = "FABRIX_BENCH_EVENTS_ENV";

    /// <summary>Parses <see cref="ExtraEnvironmentVariable"/>'s value; a pair without a name or an <c>=</c> is an error naming it.</summary>
    internal static IReadOnlyList<(string Name, string Value)> ExtraEnvironment(string? value)
    {
        var pairs = new List<(string, string)>();
        foreach (var pair in (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"{ExtraEnvironmentVariable}: '{pair}' is not NAME=value.", nameof(value));
            }

            pairs.Add((pair[..equals], pair[(equals + 1)..]));
        }

        return pairs;
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
        await _events.DisposeAsync();
        await _registry.DisposeAsync();
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
}
