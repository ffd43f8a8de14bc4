using Fabrix.Core.Registry.Persistence;
using Fabrix.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Migration 0006: checkpoints signed before the checkpoint chain are numbered in order, kept as version 1.</summary>
public sealed class AuditCheckpointMigrationTests(PostgresServer postgres)
{
    [Fact]
    public async Task Migration0006_ExistingCheckpoints_NumberedInIdOrderAsUnlinkedVersion1AndNumbersCannotSkip()
    {
        var connectionString = await postgres.CreateDatabaseAsync("checkpointchain");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var command = dataSource.CreateCommand(string.Join("\n",
            ["create table schema_migrations (version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null);",
             .. MigrationRunner.Migrations.Where(m => m.Version < 6).SelectMany(m => new[]
             {
                 m.Sql,
                 $"insert into schema_migrations values ({m.Version}, '{m.Name}', '{m.Checksum}', now());",
             }),
             $"""
             insert into audit_checkpoints (sequence, head_hash, row_count, at, key_id, signature) values
                 (3, '{new string('a', 64)}', 3, '2025-03-01 10:00:00+00', 'k1', 'sig-1'),
                 (7, '{new string('b', 64)}', 7, '2025-03-01 10:01:00+00', 'k1', 'sig-2');
             """])))
        {
            await command.ExecuteNonQueryAsync(Ct);
        }

        await new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance).RunAsync(Ct);

        var rows = new List<(long Number, long Sequence, short Version, bool Linked)>();
        await using (var command = dataSource.CreateCommand("select number, sequence, version, previous_checkpoint_hash is not null from audit_checkpoints order by id"))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt16(2), reader.GetBoolean(3)));
            }
        }

        await using var skip = dataSource.CreateCommand($"""
            insert into audit_checkpoints (number, version, sequence, head_hash, row_count, at, key_id, previous_checkpoint_hash, signature)
            values (4, 2, 9, '{new string('c', 64)}', 9, now(), 'k1', '{new string('d', 64)}', 'sig-4')
            """);
        var error = await Assert.ThrowsAsync<PostgresException>(() => skip.ExecuteNonQueryAsync(Ct));

        Assert.Equal([(1L, 3L, (short)1, false), (2L, 7L, (short)1, false)], rows);
        Assert.Contains("does not follow the last checkpoint", error.MessageText, StringComparison.Ordinal);
    }
}
