using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Grpc.Core;
using Fabrix.Core.Registry.Audit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using AuditCheckpoint = Fabrix.Contracts.Registry.V1.AuditCheckpoint;
using AuditLogClient = Fabrix.Contracts.Registry.V1.AuditLog.AuditLogClient;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>What the audit tests share: the AuditLog client, reader identities, and tampering as a database superuser.</summary>
internal static class AuditTestSupport
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static AuditLogClient AuditClient(this RegistryHost host) => new(host.Channel);

    public static Metadata Viewer(this RegistryHost host) => host.AdminHeaders("vera", AdminRoles.AuditViewer);

    public static async Task<VerifyAuditResponse> VerifyAsync(this RegistryHost host) =>
        await host.AuditClient().VerifyAuditAsync(new VerifyAuditRequest(), host.Viewer(), cancellationToken: Ct);

    /// <summary>Installs <paramref name="count"/> plugins one after another (one audit row each); returns their ids.</summary>
    public static async Task<IReadOnlyList<string>> InstallManyAsync(this RegistryHost host, int count, string prefix, Metadata? headers = null)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = TestManifests.NewId(prefix);
            await host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(id) }, headers ?? host.Manager, cancellationToken: Ct);
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>Rows whose stored hash is not the hash of what they hold (0 when every row is intact).</summary>
    public static Task<long> RowsWhoseHashDiffersAsync(this RegistryHost host) => host.ScalarAsync<long>("""
        select count(*) from audit_log
        where hash <> audit_row_hash(id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash)
        """);

    public static Task<long> HeadAsync(this RegistryHost host) => host.ScalarAsync<long>("select coalesce(max(id), 0) from audit_log");

    /// <summary>
    /// Runs SQL the way an attacker with superuser rights would: triggers off for the session
    /// (<c>session_replication_role = replica</c>), privileges bypassed.
    /// </summary>
    public static async Task TamperAsync(this RegistryHost host, string sql)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var off = new NpgsqlCommand("set session_replication_role = replica", connection))
        {
            await off.ExecuteNonQueryAsync(Ct);
        }

        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    /// <summary>Signs a checkpoint now (or finds the head already signed) and returns it.</summary>
    public static async Task<Fabrix.Core.Registry.Audit.AuditCheckpoint> WriteCheckpointAsync(this RegistryHost host)
    {
        var attempt = await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        Assert.Contains(attempt.Outcome, (CheckpointOutcome[])[CheckpointOutcome.Written, CheckpointOutcome.Unchanged]);
        Assert.Equal(await host.HeadAsync(), attempt.Checkpoint!.Sequence);
        return attempt.Checkpoint;
    }

    /// <summary>Every checkpoint of the anchor stream, as <c>fabrix audit anchors export</c> reads them.</summary>
    public static async Task<List<AuditCheckpoint>> ExportAnchorsAsync(this RegistryHost host)
    {
        using var call = host.AuditClient().ListAuditCheckpoints(new ListAuditCheckpointsRequest(), host.Viewer(), cancellationToken: Ct);
        var anchors = new List<AuditCheckpoint>();
        await foreach (var checkpoint in call.ResponseStream.ReadAllAsync(Ct))
        {
            anchors.Add(checkpoint);
        }

        return anchors;
    }

    public static string RehashSql(long from) => Fabrix.Testing.AuditTampering.RehashSql(from);

    /// <summary>A fresh registry on a fresh database for a test that breaks the chain.</summary>
    public static async Task<RegistryHost> StartIsolatedAsync(Fabrix.Testing.PostgresServer postgres, Fabrix.Testing.NatsServer nats)
    {
        var host = new RegistryHost(postgres, nats);
        await host.InitializeAsync();
        return host;
    }
}
