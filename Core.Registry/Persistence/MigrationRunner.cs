using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Fabrix.Core.Registry.Persistence;

/// <summary>
/// Applies the numbered SQL migrations embedded in this assembly (<c>Persistence/Migrations/NNNN_name.sql</c>) in
/// order. Several instances may start at once: a session-level advisory lock lets one migrate while the others wait.
/// Each migration runs in its own transaction together with its row in <c>schema_migrations</c>, so a crash leaves
/// either all or none of it. Applied migrations are never re-run; a changed applied migration stops start-up.
/// </summary>
internal sealed partial class MigrationRunner(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<MigrationRunner> logger)
{
    /// <summary>Advisory lock key: "fabrix.registry.migrations" as a fixed 64-bit number.</summary>
    private const long LockKey = 0x46_61_62_72_69_78_4D_31;

    private const string ResourcePrefix = "Fabrix.Core.Registry.Migrations.";

    /// <summary>The embedded migrations, ordered by their number.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = LoadMigrations();

    /// <summary>Applies every pending migration; returns how many were applied.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "select pg_advisory_lock(@key)", cancellationToken, ("key", LockKey));
        try
        {
            await ExecuteAsync(connection, null, """
                create table if not exists schema_migrations (
                    version integer primary key,
                    name text not null,
                    checksum text not null,
                    applied_at timestamptz not null
                )
                """, cancellationToken);

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            var count = 0;
            foreach (var migration in Migrations)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (!string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Version} ({migration.Name}) was changed after it was applied. Add a new migration instead.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    "insert into schema_migrations (version, name, checksum, applied_at) values (@version, @name, @checksum, @at)",
                    cancellationToken,
                    ("version", migration.Version), ("name", migration.Name), ("checksum", migration.Checksum), ("at", timeProvider.GetUtcNow()));
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, migration.Version, migration.Name);
                count++;
            }

            return count;
        }
        finally
        {
            await ExecuteAsync(connection, null, "select pg_advisory_unlock(@key)", CancellationToken.None, ("key", LockKey));
        }
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select version, checksum from schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var fileName = resource[ResourcePrefix.Length..];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), out var version))
            {
                throw new InvalidOperationException($"Migration resource '{fileName}' must be named NNNN_name.sql.");
            }

            var sql = ReadResource(assembly, resource);
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
            migrations.Add(new Migration(version, Path.GetFileNameWithoutExtension(fileName), sql, checksum));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share number {duplicate.Key}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Missing embedded migration {name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Applied migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}

/// <summary>One embedded migration.</summary>
internal sealed record Migration(int Version, string Name, string Sql, string Checksum);
