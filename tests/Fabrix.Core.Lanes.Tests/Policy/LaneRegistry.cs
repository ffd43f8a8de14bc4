using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Identity;
using Fabrix.Core.Registry;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>
/// The real registry for lane tests: two replicas (A and B) on one fresh database and the assembly's NATS server,
/// trusting the service key of <see cref="ServiceName"/>, with a development admin key to install and disable plugins.
/// </summary>
public sealed class LaneRegistry(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    public const string ServiceName = "core-gateway";
    private readonly List<RegistryReplica> _replicas = [];
    private string _root = string.Empty;
    private Dictionary<string, string?> _settings = [];

    public RegistryReplica A { get; private set; } = null!;

    public RegistryReplica B { get; private set; } = null!;

    public string ServiceKeyPath { get; private set; } = string.Empty;

    public ECDsaSecurityKey AdminKey { get; private set; } = null!;

    /// <summary>The registry's configuration (tests read the service key settings from it).</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    public async ValueTask InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("fabrix-lanes-tests-").FullName;
        var devKey = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_root, "dev-admin.pem"));
        AdminKey = DevelopmentAdminToken.LoadKey(devKey);
        ServiceKeyPath = ServiceToken.EnsureKeyFile(Path.Combine(_root, $"{ServiceName}.pem"));
        var anchors = $"ANCHORS_{Guid.NewGuid():N}";
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:registry"] = await postgres.CreateDatabaseAsync("lanes"),
            ["ConnectionStrings:nats"] = nats.Url,
            ["Fabrix:Registry:KeyRingPath"] = Path.Combine(_root, "keyring"),
            ["Fabrix:DevAdmin:KeyFile"] = devKey,
            ["Fabrix:Registry:OutboxPollInterval"] = "00:00:00.500",
            ["Fabrix:Registry:Health:Enabled"] = "false",
            ["Fabrix:Registry:Audit:AnchorStream"] = anchors,
            ["Fabrix:Registry:Audit:AnchorSubject"] = $"fabrix.audit.anchors.{anchors}",
            ["Fabrix:Registry:RateLimiting:Enabled"] = "false",
            // Far longer than any wait in the tests: a change reaches another replica's watchers only through NATS.
            ["Fabrix:Registry:Policy:HeartbeatInterval"] = "00:01:00",
            [$"Fabrix:Registry:ServiceIdentity:TrustedServices:{ServiceName}"] =
                ServiceToken.WritePublicKeyFile(ServiceKeyPath, Path.Combine(_root, $"{ServiceName}.pub.pem")),
        };
        A = Start();
        B = Start();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>Another replica on the same database.</summary>
    public RegistryReplica Start()
    {
        var replica = new RegistryReplica(_settings);
        _ = replica.Server;
        _replicas.Add(replica);
        return replica;
    }

    public Metadata Admin => new() { { "authorization", $"Bearer {DevelopmentAdminToken.Mint(AdminKey, "ada", [AdminRoles.Admin], TimeProvider.System)}" } };

    /// <summary>The token source a lane named <see cref="ServiceName"/> would have.</summary>
    public ServiceTokenSource TokenSource(TimeProvider? timeProvider = null) =>
        new(Options.Create(new ServiceIdentityOptions { Name = ServiceName, KeyPath = ServiceKeyPath }), timeProvider ?? TimeProvider.System);

    /// <summary>A WatchPolicy client on <paramref name="replica"/> presenting this service's identity, through <paramref name="handler"/> when given.</summary>
    public static PolicyService.PolicyServiceClient PolicyClient(RegistryReplica replica, ServiceTokenSource tokens, Func<HttpMessageHandler, HttpMessageHandler>? handler = null,
        params Interceptor[] more)
    {
        var inner = replica.Server.CreateHandler();
        var channel = GrpcChannel.ForAddress(replica.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = handler is null ? inner : handler(inner) });
        return new PolicyService.PolicyServiceClient(channel.Intercept([new ServiceTokenInterceptor(tokens), .. more]));
    }

    /// <summary>Installs <paramref name="id"/> (enabled on register) and registers it: an active plugin.</summary>
    public async Task InstallActiveAsync(string id)
    {
        var manifest = new JsonObject
        {
            ["id"] = id,
            ["name"] = $"Plugin {id}",
            ["version"] = "1.0.0",
            ["contracts"] = new JsonArray("IdentityPlugin"),
            ["traits"] = new JsonArray("handles_pii", "audit_required"),
            ["dependencies"] = new JsonArray(),
            ["allowed_domains"] = new JsonArray("api.example.com"),
            ["endpoints"] = new JsonObject { ["health"] = "/health" },
            ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("pii") },
            ["compliance"] = new JsonObject { ["hipaa_controls"] = new JsonArray("164.312(a)"), ["audit_level"] = "detailed" },
        };
        var admin = new RegistryAdmin.RegistryAdminClient(A.Channel);
        var installed = await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, Admin);
        using var client = A.CreateClient();
        using var response = await client.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest,
            ["address"] = "http://127.0.0.1:5300",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        });
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {await response.Content.ReadFromJsonAsync<JsonElement>()}");
    }

    public async Task DisableAsync(RegistryReplica replica, string id) =>
        await new RegistryAdmin.RegistryAdminClient(replica.Channel).DisablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "incident" }, Admin);
}

/// <summary>One registry instance in a test server, configured only through configuration keys.</summary>
public sealed class RegistryReplica(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<RegistryApp>
{
    private GrpcChannel? _channel;

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
