using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Plugins.Samples.Accounting.AccountOpening;

/// <summary>
/// Where opened accounts live: accounting's own PostgreSQL database, never core's (<c>ConnectionStrings:accounting</c>,
/// environment variable <c>ConnectionStrings__accounting</c>, created by the AppHost with its own role).
/// </summary>
internal sealed class AccountsDatabaseOptions
{
    public const string ConnectionStringName = "accounting";

    public string? ConnectionString { get; set; }
}

internal sealed class AccountsDatabaseOptionsValidator : IValidateOptions<AccountsDatabaseOptions>
{
    private const string Key = "ConnectionStrings:" + AccountsDatabaseOptions.ConnectionStringName;

    public ValidateOptionsResult Validate(string? name, AccountsDatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"{Key} is required: the Npgsql connection string of accounting's own database.");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{Key} is not a valid Npgsql connection string: {ex.Message}");
        }
    }
}

/// <summary>
/// Applies the schema on start-up, before events are received: numbered migrations, each applied once, in one
/// transaction under an advisory lock, so two instances starting together cannot both apply one.
/// </summary>
internal sealed class AccountsMigrator(NpgsqlDataSource dataSource, TimeProvider timeProvider) : IHostedService
{
    /// <summary>Arbitrary, fixed key of this plugin's migration lock.</summary>
    private const long MigrationLockKey = 0x4143_4354_4f50_454e; // "ACCTOPEN"

    private static readonly (int Version, string Description, string Sql)[] s_migrations =
    [
        (1, "accounts table", """
            CREATE TABLE accounts (
                user_id      text COLLATE "C" PRIMARY KEY,
                display_name text        NOT NULL,
                department   text        NOT NULL,
                source_event text        NOT NULL,
                opened_at    timestamptz NOT NULL
            );
            """),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                description text        NOT NULL,
                applied_at  timestamptz NOT NULL
            )
            """, cancellationToken);

        var applied = new HashSet<int>();
        await using (var command = new NpgsqlCommand("SELECT version FROM schema_migrations", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        foreach (var (version, description, sql) in s_migrations.Where(m => !applied.Contains(m.Version)))
        {
            await ExecuteAsync(connection, transaction, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)", connection, transaction)
            {
                Parameters = { new() { Value = version }, new() { Value = description }, new() { Value = timeProvider.GetUtcNow() } },
            };
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
