using System.Text.Json.Nodes;
using VerifyAuditRequest = Fabrix.Contracts.Registry.V1.VerifyAuditRequest;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>The chain as PostgreSQL holds it: no forks under concurrency, append-only for the service, SQL and C# agree.</summary>
public sealed class AuditChainDatabaseTests(RegistryHost host, PostgresServer postgres) : IClassFixture<RegistryHost>
{
    [Fact]
    public async Task Append_ManyConcurrentInstalls_ChainHasNoForksOrGapsAndVerifiesIntact()
    {
        var before = await host.HeadAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => host.InstallManyAsync(1, "concurrent")));

        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from audit_log a join audit_log b on a.prev_hash = b.prev_hash and a.id < b.id"));
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from audit_log a left join audit_log p on p.id = a.id - 1 where a.id > 1 and (p.id is null or a.prev_hash <> p.hash)"));
        Assert.True(await host.HeadAsync() >= before + 40);
        var verification = await host.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(0L, verification.FirstBrokenSequence);
    }

    [Fact]
    public async Task SqlRowHash_RowsAppendedByTheService_AgreesWithCSharpForTrickyDetails()
    {
        var database = host.Factory.Services.GetRequiredService<RegistryDatabase>();
        JsonObject[] details =
        [
            new() { ["😀"] = 1, ["Ａ"] = 2, ["b"] = new JsonArray(1e2, 0.1, -0.0, 12345678901234567890m, 1.50m) },
            new() { ["ctl"] = "\u0001\u001f\t\n\r\b\f", ["quote"] = "\"\\/", ["nested"] = new JsonObject { ["z"] = null, ["a"] = true } },
            new() { ["dup"] = 1, ["Dup"] = 2, ["ü"] = "Grüße", ["empty"] = new JsonObject(), ["list"] = new JsonArray() },
        ];
        foreach (var item in details)
        {
            await using var transaction = await database.BeginAsync(Ct);
            await AuditLog.AppendAsync(transaction, new AuditEntry("user:tricky \"one\"", "test.append", "target\twith tab", AuditOutcome.Succeeded,
                "reason é ✓ \u0002", "corr", item), Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(0L, await host.ScalarAsync<long>("""
            select count(*) from audit_log
            where hash <> audit_row_hash(id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash)
            """));
        Assert.Equal(3L, await host.ScalarAsync<long>("select count(*) from audit_log where action = 'test.append'"));
    }

    public static TheoryData<string> ForbiddenStatements => new()
    {
        "update audit_log set reason = 'rewritten' where id = (select max(id) from audit_log)",
        "delete from audit_log where id = (select max(id) from audit_log)",
        "truncate audit_log",
        "update audit_checkpoints set row_count = row_count + 1",
        "delete from audit_checkpoints",
        "truncate audit_checkpoints",
    };

    [Theory]
    [MemberData(nameof(ForbiddenStatements))]
    public async Task ServiceConnection_UpdateDeleteOrTruncate_RefusedByTheDatabase(string sql)
    {
        await host.InstallManyAsync(1, "append-only");
        await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        var dataSource = host.Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var rowsBefore = await host.ScalarAsync<long>("select count(*) from audit_log");

        await using var command = dataSource.CreateCommand(sql);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));

        Assert.Matches("append-only|permission denied", error.MessageText);
        Assert.Equal(rowsBefore, await host.ScalarAsync<long>("select count(*) from audit_log"));
    }

    [Fact]
    public async Task Insert_RowThatDoesNotExtendTheHead_RefusedByTheDatabase()
    {
        var head = await host.HeadAsync();
        var dataSource = host.Factory.Services.GetRequiredService<NpgsqlDataSource>();

        await using var command = dataSource.CreateCommand("""
            insert into audit_log (id, at, actor, action, target, outcome, reason, correlation_id, prev_hash, hash)
            values (@id, now(), 'user:mallory', 'plugin.install', 'forged', 'succeeded', 'forged', 'x', repeat('0', 64), repeat('0', 64))
            """);
        command.Parameters.AddWithValue("id", head + 5);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));

        Assert.Contains("does not extend the chain head", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migration_RowsWrittenUnderSchema1_ChainedInIdOrderAndVerifyIntact()
    {
        var connectionString = await postgres.CreateDatabaseAsync("legacy");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(Ct);
            var schema1 = MigrationRunner.Migrations[0];
            await using var batch = new NpgsqlCommand($$"""
                create table schema_migrations (version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null);
                {{schema1.Sql}}
                insert into schema_migrations values (1, '{{schema1.Name}}', '{{schema1.Checksum}}', now());
                insert into audit_log (id, at, actor, action, target, outcome, reason, correlation_id, details) values
                    (1, '2025-03-01 10:00:00.000001+00', 'user:alice', 'plugin.install', 'legacy-a', 'succeeded', 'installed', 'c1', '{"version": "1.0.0"}'),
                    (2, '2025-03-01 10:00:01+00', 'plugin:legacy-a', 'plugin.register', 'legacy-a', 'refused', 'not "installed"', 'c2', '{"code": "NOT_INSTALLED", "n": 1e3}'),
                    (5, '2025-03-01 10:00:02+00', 'system', 'signing_key.rotate', 'signing_key:k', 'succeeded', 'rotated', 'c3', '{}');
                """, connection);
            await batch.ExecuteNonQueryAsync(Ct);
        }

        var settings = host.Settings();
        settings["ConnectionStrings:registry"] = connectionString;
        // Another database needs another anchor stream (the class's registry has its own on the same NATS).
        var stream = $"LEGACY_{Guid.NewGuid():N}";
        settings["Fabrix:Registry:Audit:AnchorStream"] = stream;
        settings["Fabrix:Registry:Audit:AnchorSubject"] = $"anchors.{stream}";
        var (_, channel) = host.Start(settings);
        var verification = await new Contracts.Registry.V1.AuditLog.AuditLogClient(channel)
            .VerifyAuditAsync(new VerifyAuditRequest(), host.Viewer(), cancellationToken: Ct);

        Assert.True(verification.Intact, verification.Problem);
        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync(Ct);
        await using var links = new NpgsqlCommand("""
            select (select prev_hash from audit_log where id = 1), (select prev_hash from audit_log where id = 5) = (select hash from audit_log where id = 2)
            """, check);
        await using var reader = await links.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal(AuditChain.GenesisHash, reader.GetString(0));
        Assert.True(reader.GetBoolean(1));
    }
}
