using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>
/// The real registry as a lane's tests need it (Core.Gateway, Core.Proxy, ...): its own database and JetStream
/// streams, the development admin key, and one lane's service key trusted under the lane's name. Gives the lane the
/// settings and the in-memory connection to the registry's test server, so every lane test project starts the same
/// way.
/// </summary>
public sealed class LaneTestRegistry : IAsyncDisposable
{
    private LaneTestRegistry(string root, string serviceName, string serviceKeyFile, string decisionStream, RegistryFactory registry, string connectionString, string natsUrl)
    {
        Root = root;
        ServiceName = serviceName;
        ServiceKeyFile = serviceKeyFile;
        DecisionSubject = $"decisions.{decisionStream}";
        Registry = registry;
        ConnectionString = connectionString;
        NatsUrl = natsUrl;
        DevAdminKeyFile = Path.Combine(root, "dev-admin.pem");
    }

    /// <summary>A temporary folder for the test's keys, deleted on dispose.</summary>
    public string Root { get; }

    /// <summary>The lane's service name (its identity).</summary>
    public string ServiceName { get; }

    /// <summary>The lane's private service key (PEM).</summary>
    public string ServiceKeyFile { get; }

    /// <summary>The development admin key (PEM).</summary>
    public string DevAdminKeyFile { get; }

    /// <summary>The JetStream subject the lane's decision audit publishes on (the registry ingests it).</summary>
    public string DecisionSubject { get; }

    public RegistryFactory Registry { get; }

    public string ConnectionString { get; }

    public string NatsUrl { get; }

    /// <summary>
    /// Creates the database, the keys and the registry (not yet started: the first use of <see cref="Registry"/>
    /// starts it). <paramref name="extraSettings"/> are added to the registry's settings.
    /// </summary>
    public static async Task<LaneTestRegistry> CreateAsync(Fabrix.Testing.PostgresServer postgres, Fabrix.Testing.NatsServer nats, string serviceName,
        IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(nats);
        var root = Directory.CreateTempSubdirectory($"fabrix-{serviceName}-tests-").FullName;
        var connectionString = await postgres.CreateDatabaseAsync(serviceName.Replace('-', '_'));
        var devKey = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(root, "dev-admin.pem"));
        var serviceKey = ServiceToken.EnsureKeyFile(Path.Combine(root, $"{serviceName}.pem"));
        var stream = $"DECISIONS_{Guid.NewGuid():N}";
        var anchors = $"ANCHORS_{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:registry"] = connectionString,
            ["ConnectionStrings:nats"] = nats.Url,
            ["Fabrix:Registry:KeyRingPath"] = Path.Combine(root, "keyring"),
            ["Fabrix:DevAdmin:KeyFile"] = devKey,
            ["Fabrix:Registry:OutboxPollInterval"] = "00:00:00.500",
            ["Fabrix:Registry:Audit:AnchorStream"] = anchors,
            ["Fabrix:Registry:Audit:AnchorSubject"] = $"fabrix.audit.anchors.{anchors}",
            ["Fabrix:Registry:Audit:Ingest:Stream"] = stream,
            ["Fabrix:Registry:Audit:Ingest:Subject"] = $"decisions.{stream}",
            ["Fabrix:Registry:RateLimiting:Enabled"] = "false",
            [$"Fabrix:Registry:ServiceIdentity:TrustedServices:{serviceName}"] =
                ServiceToken.WritePublicKeyFile(serviceKey, Path.Combine(root, $"{serviceName}.pub.pem")),
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new LaneTestRegistry(root, serviceName, serviceKey, stream, new RegistryFactory(settings), connectionString, nats.Url);
    }

    /// <summary>The lane's own settings: NATS, identity, the registry's policy stream and JWKS, the decision audit subject.</summary>
    public Dictionary<string, string?> LaneSettings() => new(StringComparer.Ordinal)
    {
        ["ConnectionStrings:nats"] = NatsUrl,
        ["Fabrix:Lanes:Identity:Name"] = ServiceName,
        ["Fabrix:Lanes:Identity:KeyPath"] = ServiceKeyFile,
        ["Fabrix:Lanes:Policy:RegistryAddress"] = Registry.Server.BaseAddress.ToString(),
        ["Fabrix:Lanes:Tokens:JwksAddress"] = new Uri(Registry.Server.BaseAddress, PluginTokenClaims.JwksPath).ToString(),
        ["Fabrix:Lanes:Audit:Subject"] = DecisionSubject,
        ["Fabrix:Lanes:Audit:Service"] = ServiceName,
    };

    /// <summary>
    /// Configures a lane's web host (a <c>WebApplicationFactory</c>'s) for this registry: Development, the given
    /// settings, and the policy stream and JWKS reached through the registry's in-memory test server.
    /// </summary>
    public void ConfigureLane(IWebHostBuilder builder, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddHttpClient(nameof(PolicyService.PolicyServiceClient)).ConfigurePrimaryHttpMessageHandler(() => Registry.Server.CreateHandler());
            services.AddHttpClient(PluginTokenCheckExtensions.JwksHttpClientName).ConfigurePrimaryHttpMessageHandler(() => Registry.Server.CreateHandler());
            // Core.Events reads push targets (issue 11 section 3); other lanes have no such client and ignore it.
            services.AddHttpClient(nameof(Fabrix.Contracts.Events.V1.PushTargets.PushTargetsClient))
                .ConfigurePrimaryHttpMessageHandler(() => Registry.Server.CreateHandler());
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
