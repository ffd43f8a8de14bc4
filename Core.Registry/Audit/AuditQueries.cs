using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fabrix.Core.Registry.Persistence;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Query filters: <see cref="From"/> inclusive, <see cref="To"/> exclusive, the rest exact matches (null = any);
/// <see cref="ChangesOnly"/> keeps only changes (<see cref="AuditActions.IsChange"/>) that succeeded.
/// </summary>
internal sealed record AuditQueryFilter(DateTimeOffset? From, DateTimeOffset? To, string? Actor, string? Action, string? Target, string? Outcome,
    bool ChangesOnly = false, string? Lane = null, string? Plugin = null)
{
    /// <summary>Identifies the filter and order inside a page token, so a token cannot continue a different query.</summary>
    public string Fingerprint(bool newestFirst)
    {
        var text = string.Join('\n', From?.UtcTicks, To?.UtcTicks, Actor, Action, Target, Outcome, newestFirst, ChangesOnly, Lane, Plugin);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));
    }
}

/// <summary>
/// Where the next page starts. <see cref="Until"/> is the chain head when the first page was read: a paged walk sees
/// the log as it was then (rows appended later, such as the audit rows of the walk itself, are not mixed in), so pages
/// never shift and every row is returned exactly once.
/// </summary>
internal sealed record AuditPageToken(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("until")] long Until,
    [property: JsonPropertyName("after")] long After,
    [property: JsonPropertyName("filter")] string Filter)
{
    public const int CurrentVersion = 1;

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this, AuditJsonContext.Default.AuditPageToken));

    public static AuditPageToken? TryDecode(string text)
    {
        try
        {
            var token = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(text), AuditJsonContext.Default.AuditPageToken);
            return token is { Version: CurrentVersion, Filter.Length: > 0 } ? token : null;
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return null;
        }
    }
}

internal sealed record AuditPage(IReadOnlyList<AuditStoredRow> Rows, string NextPageToken, long TotalCount);

/// <summary>Filtered reads of the audit log: keyset pages by sequence, and a streaming walk for export.</summary>
internal sealed class AuditQueries(RegistryDatabase database)
{
    public const int ExportBatchSize = 500;

    public async Task<AuditPage> QueryAsync(AuditQueryFilter filter, int pageSize, bool newestFirst, AuditPageToken? token, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

        var until = token?.Until ?? await HeadAsync(connection, transaction, cancellationToken);
        long total;
        await using (var count = new NpgsqlCommand(null, connection, transaction))
        {
            count.CommandText = $"select count(*) from audit_log where {Where(count, filter, until)}";
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        var rows = new List<AuditStoredRow>(pageSize + 1);
        await using (var page = new NpgsqlCommand(null, connection, transaction))
        {
            var where = Where(page, filter, until);
            if (token is not null)
            {
                where += newestFirst ? " and id < @after" : " and id > @after";
                page.Parameters.AddWithValue("after", token.After);
            }

            page.CommandText = $"select {AuditRows.Columns} from audit_log where {where} order by id {(newestFirst ? "desc" : "asc")} limit @limit";
            page.Parameters.AddWithValue("limit", pageSize + 1);
            await using var reader = await page.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(AuditRows.Read(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        var next = string.Empty;
        if (rows.Count > pageSize)
        {
            rows.RemoveAt(rows.Count - 1);
            next = new AuditPageToken(AuditPageToken.CurrentVersion, until, rows[^1].Sequence, filter.Fingerprint(newestFirst)).Encode();
        }

        return new AuditPage(rows, next, total);
    }

    /// <summary>
    /// Every row matching <paramref name="filter"/> up to the head at the start, oldest first, read in batches of
    /// <see cref="ExportBatchSize"/> without holding a transaction open while a slow client reads.
    /// </summary>
    public async IAsyncEnumerable<AuditStoredRow> ReadAllAsync(AuditQueryFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long until;
        await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
        {
            until = await HeadAsync(connection, null, cancellationToken);
        }

        var after = long.MinValue;
        while (true)
        {
            var batch = new List<AuditStoredRow>(ExportBatchSize);
            await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
            await using (var command = new NpgsqlCommand(null, connection))
            {
                command.CommandText = $"select {AuditRows.Columns} from audit_log where {Where(command, filter, until)} and id > @after order by id limit @limit";
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("limit", ExportBatchSize);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    batch.Add(AuditRows.Read(reader));
                }
            }

            foreach (var row in batch)
            {
                yield return row;
            }

            if (batch.Count < ExportBatchSize)
            {
                yield break;
            }

            after = batch[^1].Sequence;
        }
    }

    private static async Task<long> HeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select coalesce(max(id), 0) from audit_log", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The filter as SQL with its parameters added to <paramref name="command"/>; values are always parameters.</summary>
    private static string Where(NpgsqlCommand command, AuditQueryFilter filter, long until)
    {
        var conditions = new List<string> { "id <= @until" };
        command.Parameters.AddWithValue("until", until);
        if (filter.From is { } from)
        {
            conditions.Add("at >= @from");
            command.Parameters.AddWithValue("from", from);
        }

        if (filter.To is { } to)
        {
            conditions.Add("at < @to");
            command.Parameters.AddWithValue("to", to);
        }

        foreach (var (column, value) in (ReadOnlySpan<(string, string?)>)[
            ("actor", filter.Actor), ("action", filter.Action), ("target", filter.Target), ("outcome", filter.Outcome)])
        {
            if (value is not null)
            {
                conditions.Add($"{column} = @{column}");
                command.Parameters.AddWithValue(column, value);
            }
        }

        // Lane decisions (issue 9 section 4): the lane column is derived from the hashed details (migration 0011); a
        // plugin is the actor plugin:<id>, whichever lane or registry action it took.
        if (filter.Lane is not null)
        {
            conditions.Add("lane = @lane");
            command.Parameters.AddWithValue("lane", filter.Lane);
        }

        if (filter.Plugin is not null)
        {
            conditions.Add("actor = @plugin_actor");
            command.Parameters.AddWithValue("plugin_actor", $"plugin:{filter.Plugin}");
        }

        if (filter.ChangesOnly)
        {
            conditions.Add("outcome = 'succeeded' and not (action = any(@not_changes) or action like 'audit.%' or action like 'lane.%')");
            command.Parameters.AddWithValue("not_changes", AuditActions.NotChanges.ToArray());
        }

        return string.Join(" and ", conditions);
    }
}
