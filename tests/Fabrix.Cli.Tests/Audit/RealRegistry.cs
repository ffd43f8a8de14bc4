using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Fabrix.Cli.Tests.Audit;

/// <summary>
/// Real PostgreSQL and NATS for the <c>fabrix audit</c> tests, and real registries on them, configured the way the
/// AppHost configures one (Development, development admin key). Each <see cref="StartAsync"/> gets a fresh database.
/// </summary>
public sealed class RealRegistry : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private readonly NatsServer _nats = new();
    private readonly List<IAsyncDisposable> _started = [];
    private string _root = string.Empty;

    public string DevKeyPath { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync().AsTask(), _nats.InitializeAsync().AsTask());
        _root = Directory.CreateTempSubdirectory("fabrix-cli-audit-").FullName;
        DevKeyPath = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_root, "dev-admin.pem"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var started in _started)
        {
            await started.DisposeAsync();
        }

        await _nats.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Stops PostgreSQL under the running registries, as an outage would (issue 7 section 6).</summary>
    public Task StopPostgresAsync() => _postgres.StopAsync();

    public async Task<RunningRegistry> StartAsync()
    {
        var connectionString = await _postgres.CreateDatabaseAsync("cliaudit");
        var stream = $"ANCHORS_{Guid.NewGuid():N}";
        var factory = new RegistryHostFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:registry"] = connectionString,
            ["ConnectionStrings:nats"] = _nats.Url,
            ["Fabrix:Registry:KeyRingPath"] = Path.Combine(_root, "keyring-" + Guid.NewGuid().ToString("N")),
            ["Fabrix:DevAdmin:KeyFile"] = DevKeyPath,
            // Registries share one NATS server here: each needs its own anchor stream. Checkpoints every second, so
            // a test can wait for one that covers its rows.
            ["Fabrix:Registry:Audit:AnchorStream"] = stream,
            ["Fabrix:Registry:Audit:AnchorSubject"] = $"anchors.{stream}",
            ["Fabrix:Registry:Audit:CheckpointInterval"] = "00:00:01",
            // ... and its own lane decision stream (issue 9 section 4).
            ["Fabrix:Registry:Audit:Ingest:Stream"] = $"DECISIONS_{stream}",
            ["Fabrix:Registry:Audit:Ingest:Subject"] = $"decisions.{stream}",
        });
        _started.Add(factory);
        var registry = new RunningRegistry(factory, connectionString, DevelopmentAdminToken.LoadKey(DevKeyPath), _nats.Url, $"decisions.{stream}");
        await registry.WaitForFirstCheckpointAsync();
        return registry;
    }

    private sealed class RegistryHostFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<RegistryApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}

/// <summary>One running registry: channels for the CLI, an admin client to make audit rows, and its database.</summary>
public sealed class RunningRegistry(WebApplicationFactory<RegistryApp> factory, string connectionString, Microsoft.IdentityModel.Tokens.ECDsaSecurityKey devKey,
    string natsUrl, string decisionSubject)
{
    public string ConnectionString => connectionString;

    public GrpcChannel OpenChannel(Uri address) =>
        GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });

    public Contracts.Registry.V1.AuditLog.AuditLogClient AuditClient => new(OpenChannel(factory.Server.BaseAddress));

    public Metadata Headers(string role, string user = "tester") => new()
    {
        { "authorization", $"Bearer {DevelopmentAdminToken.Mint(devKey, user, [role], TimeProvider.System)}" },
    };

    /// <summary>Installs plugins (one audit row each) with ids <c>{prefix}-{n}</c>.</summary>
    public async Task InstallAsync(string prefix, int count)
    {
        var admin = new RegistryAdmin.RegistryAdminClient(OpenChannel(factory.Server.BaseAddress));
        for (var i = 0; i < count; i++)
        {
            var manifest = Manifests.UserManagement.Replace("\"user-management\"", $"\"{prefix}-{i}\"", StringComparison.Ordinal);
            await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest }, Headers(AdminRoles.PluginManager),
                cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    public async Task UninstallAsync(string id, string reason)
    {
        var admin = new RegistryAdmin.RegistryAdminClient(OpenChannel(factory.Server.BaseAddress));
        await admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id, Reason = reason }, Headers(AdminRoles.PluginManager),
            cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Publishes lane decisions as a lane does (issue 9 section 4) and waits until the registry appended them. The stream
    /// exists once the registry started consuming: a publish before that gets no acknowledgement and is retried.
    /// </summary>
    public async Task PublishDecisionsAsync(params Contracts.Audit.V1.DecisionRecord[] records)
    {
        var before = await ScalarAsync("select count(*) from audit_log where lane is not null");
        await using var nats = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = natsUrl });
        var js = new NATS.Client.JetStream.NatsJSContext(nats);
        foreach (var record in records)
        {
            var subject = $"{decisionSubject}.{record.Lane.ToString().ToLowerInvariant()}";
            await Eventually.UntilAsync(async () =>
            {
                try
                {
                    var ack = await js.PublishAsync(subject, Google.Protobuf.MessageExtensions.ToByteArray(record),
                        opts: new NATS.Client.JetStream.NatsJSPubOpts { MsgId = record.Id }, cancellationToken: TestContext.Current.CancellationToken);
                    return ack.Error is null;
                }
                catch (NATS.Client.Core.NatsNoRespondersException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), $"JetStream stores decision {record.Id}", TestContext.Current.CancellationToken);
        }

        await Eventually.UntilAsync(async () => await ScalarAsync("select count(*) from audit_log where lane is not null") >= before + records.Length,
            TimeSpan.FromSeconds(30), $"{records.Length} lane decisions in the chain", TestContext.Current.CancellationToken);
    }

    /// <summary>Runs SQL as an attacker with superuser rights would: triggers off for the session.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("set session_replication_role = replica; " + sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until a signed checkpoint covers the current head.</summary>
    public async Task WaitForCheckpointOfHeadAsync()
    {
        var head = await ScalarAsync("select max(id) from audit_log");
        await Eventually.UntilAsync(async () => await ScalarAsync("select coalesce(max(sequence), 0) from audit_checkpoints") >= head,
            TimeSpan.FromSeconds(30), $"an audit checkpoint covering row {head}", TestContext.Current.CancellationToken,
            every: TimeSpan.FromMilliseconds(50));
    }

    /// <summary>The registry signs a checkpoint right after start; waiting for it keeps the tests' row numbers stable.</summary>
    internal async Task WaitForFirstCheckpointAsync()
    {
        _ = factory.Server;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ScalarAsync("select count(*) from audit_checkpoints") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the registry wrote no audit checkpoint within 30 s of starting");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
