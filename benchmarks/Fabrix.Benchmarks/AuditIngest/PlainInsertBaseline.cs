using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Benchmarks.AuditIngest;

/// <summary>
/// The baseline of issue 9 section 4: the same rows the chain took in the steady window, read into memory first, then
/// inserted into an unchained table in batches of the same size, each one multi-row INSERT and one commit: what
/// PostgreSQL alone costs for those rows on this machine. The table is <c>audit_log</c>'s twin (<c>like audit_log
/// including all</c>: the same columns, generated columns and indexes) without what the chain adds: no chain lock, no
/// dedupe read, no hashing, no chain trigger.
/// </summary>
internal static class PlainInsertBaseline
{
    public sealed record Result(long Rows, TimeSpan Elapsed)
    {
        public double Rate => Elapsed > TimeSpan.Zero ? Rows / Elapsed.TotalSeconds : 0;
    }

    public static async Task<Result> RunAsync(NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to, int batchSize, CancellationToken cancellationToken)
    {
        await using (var create = dataSource.CreateCommand("create table bench_plain (like audit_log including all)"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var rows = new List<object[]>();
        await using (var read = dataSource.CreateCommand(
            "select id, at, actor, action, target, outcome, reason, correlation_id, details::text, prev_hash, hash from audit_log where lane is not null and at >= @from and at < @to order by id"))
        {
            read.Parameters.AddWithValue("from", from);
            read.Parameters.AddWithValue("to", to);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var values = new object[11];
                reader.GetValues(values);
                rows.Add(values);
            }
        }

        var clock = Stopwatch.StartNew();
        foreach (var batch in rows.Chunk(batchSize))
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var insert = new NpgsqlCommand("""
                insert into bench_plain (id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash)
                select * from unnest(@id, @at, @actor, @action, @target, @outcome, @reason, @correlation_id, @details, @prev_hash, @hash)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", batch.Select(r => (long)r[0]).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = batch.Select(r => (DateTime)r[1]).ToArray() });
            var names = (string[])["actor", "action", "target", "outcome", "reason", "correlation_id"];
            for (var i = 0; i < names.Length; i++)
            {
                var column = i + 2;
                insert.Parameters.AddWithValue(names[i], batch.Select(r => (string)r[column]).ToArray());
            }

            insert.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = batch.Select(r => (string)r[8]).ToArray() });
            insert.Parameters.AddWithValue("prev_hash", batch.Select(r => (string)r[9]).ToArray());
            insert.Parameters.AddWithValue("hash", batch.Select(r => (string)r[10]).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return new Result(rows.Count, clock.Elapsed);
    }
}
