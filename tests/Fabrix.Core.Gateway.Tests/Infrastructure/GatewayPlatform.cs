using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Core.Gateway.Tests.Infrastructure;

/// <summary>
/// The Operator lane on the real platform pieces: the registry (PostgreSQL, NATS, health monitoring every 300 ms)
/// trusting the gateway's service key, the gateway itself on Kestrel (its policy stream and JWKS fetched from the
/// registry's test server), and one in-process Kestrel target every test plugin registers at.
/// </summary>
public sealed class GatewayPlatform(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    public const string ServiceName = "core-gateway";
    private readonly Dictionary<string, string> _credentials = new(StringComparer.Ordinal);
    private LaneTestRegistry _lane = null!;
    private readonly SemaphoreSlim _grpcTargetInstall = new(1, 1);
    private GrpcChannel? _channel;
    private bool _grpcTargetInstalled;

    public RegistryFactory Registry { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public TargetServer Target { get; private set; } = null!;

    /// <summary>A plugin's h2c gRPC endpoint (<see cref="GrpcTargetId"/>'s, in the gateway's <c>Fabrix:Gateway:GrpcTargets</c>).</summary>
    public GrpcTargetServer GrpcTarget { get; private set; } = null!;

    /// <summary>The one target plugin with a gRPC address; installed by <see cref="GrpcTargetAsync"/>.</summary>
    public string GrpcTargetId { get; } = TestManifests.NewId("grpc-target");

    /// <summary>The gateway's h2c (gRPC) endpoint.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    public string ConnectionString { get; private set; } = string.Empty;

    public RegistryAdmin.RegistryAdminClient Admin => new(_channel!);

    /// <summary>Grants, lane limit overrides and switches (role plugin_manager with <see cref="Manager"/>).</summary>
    public PolicyAdmin.PolicyAdminClient PolicyAdmin => new(_channel!);

    public Metadata Manager { get; private set; } = null!;

    /// <summary>The gateway's service key (public half), which signs the caller contexts.</summary>
    public Microsoft.IdentityModel.Tokens.ECDsaSecurityKey ServicePublicKey { get; private set; } = null!;

    public string ServiceKeyId => ServicePublicKey.KeyId;

    public async ValueTask InitializeAsync()
    {
        _lane = await LaneTestRegistry.CreateAsync(postgres, nats, ServiceName, new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Fabrix:Registry:Health:Enabled"] = "true",
            ["Fabrix:Registry:Health:Tick"] = "00:00:00.100",
            ["Fabrix:Registry:Health:Interval"] = "00:00:00.300",
            ["Fabrix:Registry:Health:Timeout"] = "00:00:00.250",
            ["Fabrix:Registry:Health:Jitter"] = "0",
            ["Fabrix:Registry:Health:TargetRefreshInterval"] = "00:00:00.200",
        });
        Registry = _lane.Registry;
        ConnectionString = _lane.ConnectionString;
        ServicePublicKey = ServiceToken.LoadKey(_lane.ServiceKeyFile);
        var devKey = _lane.DevAdminKeyFile;
        _channel = GrpcChannel.ForAddress(Registry.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Registry.Server.CreateHandler() });
        Manager = new Metadata
        {
            { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(devKey), "morgan", [AdminRoles.PluginManager], TimeProvider.System)}" },
        };
        Target = await TargetServer.StartAsync();
        GrpcTarget = await GrpcTargetServer.StartAsync();
        var settings = _lane.LaneSettings();
        var h2cPort = FreePort.Next();
        settings[$"Fabrix:Gateway:GrpcTargets:{GrpcTargetId}"] = GrpcTarget.Address;
        settings["Fabrix:Gateway:Limits:MaxResponseBodyBytes"] = "8192";
        // Three failures of one target open its circuit for 30 s (targets are per test, so tests do not trip each other).
        settings["Fabrix:Gateway:Limits:Resilience:MinimumThroughput"] = "3";
        settings["Fabrix:Gateway:Limits:Resilience:FailureRatio"] = "0.5";
        settings["Fabrix:Gateway:Limits:Resilience:BreakDuration"] = "00:00:30";
        // Small enough for the limit tests to reach, large enough for the other tests' few calls per caller.
        settings["Fabrix:Gateway:Limits:RateLimit:Burst"] = "30";
        settings["Fabrix:Gateway:Limits:RateLimit:TokensPerSecond"] = "10";
        settings["Fabrix:Gateway:Limits:MaxRequestBodyBytes"] = "4096";
        settings["Fabrix:Gateway:Limits:TargetTimeout"] = "00:00:01";
        Gateway = new GatewayFactory(_lane, settings);
        // The HTTP endpoint and the h2c one (HTTP/2 only), as Kestrel:Endpoints:Http and :H2c configure them outside tests.
        Gateway.UseKestrel(options =>
        {
            options.Listen(System.Net.IPAddress.Loopback, 0);
            options.Listen(System.Net.IPAddress.Loopback, h2cPort, listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        });
        Gateway.StartServer();
        var addresses = Gateway.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Select(a => new Uri(a)).ToList();
        Address = addresses.First(a => a.Port != h2cPort);
        GrpcAddress = addresses.Single(a => a.Port == h2cPort);
        await Eventually.UntilAsync(() => Task.FromResult(Gateway.Services.GetRequiredService<PolicySnapshotClient>().Current.IsUsable),
            TimeSpan.FromSeconds(30), "the gateway holds a policy snapshot", CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Target.DisposeAsync();
        await GrpcTarget.DisposeAsync();
        _grpcTargetInstall.Dispose();
        _channel?.Dispose();
        await _lane.DisposeAsync();
    }

    /// <summary>Installs <see cref="GrpcTargetId"/> once (its methods declared as <c>POST</c> endpoints, registered at the HTTP target).</summary>
    public async Task<string> GrpcTargetAsync()
    {
        await _grpcTargetInstall.WaitAsync();
        try
        {
            if (!_grpcTargetInstalled)
            {
                var manifest = TestManifests.Manifest(GrpcTargetId);
                manifest["endpoints"] = new JsonObject
                {
                    ["health"] = "GET /health",
                    ["echo_say"] = $"POST {GrpcTargetServer.SayPath}",
                    ["echo_count"] = $"POST {GrpcTargetServer.CountPath}",
                };
                await InstallActiveAsync(manifest);
                await WaitForPolicyAsync(GrpcTargetId, entry => entry.IsActive && entry.Address is not null, "the gRPC target is active in the gateway's snapshot");
                _grpcTargetInstalled = true;
            }

            return GrpcTargetId;
        }
        finally
        {
            _grpcTargetInstall.Release();
        }
    }

    /// <summary>A channel to the gateway's h2c endpoint that adds no trace context of its own.</summary>
    public GrpcChannel GatewayGrpcChannel() => GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null },
    });

    /// <summary>The gateway's Kestrel address.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// A client of the gateway over a real socket that sends the headers it is given and nothing else: no trace
    /// context of its own (the in-process OpenTelemetry listener would otherwise add a second <c>traceparent</c>).
    /// </summary>
    public HttpClient GatewayClient() => new(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null }) { BaseAddress = Address };

    /// <summary>Installs <paramref name="manifest"/> (enabled on register) and registers it at <paramref name="address"/>; returns its plugin token.</summary>
    public async Task<string> InstallActiveAsync(JsonObject manifest, string? address = null)
    {
        var id = manifest["id"]!.GetValue<string>();
        var installed = await Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, Manager);
        _credentials[id] = installed.RegistrationCredential.Secret;
        using var client = Registry.CreateClient();
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = address ?? Target.Address,
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>Disables <paramref name="id"/> and, first, the active plugins that depend on it.</summary>
    public async Task DisableAsync(string id) =>
        await Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "incident", Cascade = true }, Manager);

    /// <summary>Waits until the gateway's snapshot shows <paramref name="id"/> in a state <paramref name="condition"/> accepts.</summary>
    public Task WaitForPolicyAsync(string id, Func<PluginPolicy, bool> condition, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(Gateway.Services.GetRequiredService<PolicySnapshotClient>().Current.Snapshot?.Find(id) is { } entry && condition(entry)),
            TimeSpan.FromSeconds(30), what, CancellationToken.None);

    /// <summary>Operator lane decisions in the audit chain whose target starts with <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<AuditRow>> AuditRowsAsync(string prefix)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select actor, action, target, outcome, reason, correlation_id, details::text from audit_log where target like @prefix and action like 'lane.operator.%' order by id", connection);
        command.Parameters.AddWithValue("prefix", prefix + "%");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new AuditRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }

    /// <summary>A request to the gateway presenting <paramref name="token"/>.</summary>
    public static HttpRequestMessage Call(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}

/// <summary>The gateway with its configuration given as settings; the registry is reached through its test server.</summary>
public sealed class GatewayFactory(LaneTestRegistry registry, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<GatewayApp>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder) => registry.ConfigureLane(builder, settings);
}
