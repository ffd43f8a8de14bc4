using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>
/// Where profiles live: the plugin's own PostgreSQL database, never core's (<c>ConnectionStrings:usermanagement</c>,
/// environment variable <c>ConnectionStrings__usermanagement</c>, created by the AppHost).
/// </summary>
internal sealed class UserProfilesDatabaseOptions
{
    public const string ConnectionStringName = "usermanagement";

    public string? ConnectionString { get; set; }
}

internal sealed class UserProfilesDatabaseOptionsValidator : IValidateOptions<UserProfilesDatabaseOptions>
{
    private const string Key = "ConnectionStrings:" + UserProfilesDatabaseOptions.ConnectionStringName;

    public ValidateOptionsResult Validate(string? name, UserProfilesDatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"{Key} is required: the Npgsql connection string of the plugin's own database.");
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
/// Applies the schema on start-up, before the app serves requests: numbered migrations, each applied once, in one
/// transaction under an advisory lock, so two instances starting together cannot both apply one.
/// </summary>
internal sealed class UserProfilesMigrator(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<UserProfilesMigrator> logger) : IHostedService
{
    /// <summary>Arbitrary, fixed key of this plugin's migration lock.</summary>
    private const long MigrationLockKey = 0x5553_4552_4d47_4d54; // "USERMGMT"

    private static readonly (int Version, string Description, string Sql)[] s_migrations =
    [
        (1, "user_profiles table", """
            CREATE TABLE user_profiles (
                id           text COLLATE "C" PRIMARY KEY,
                display_name text        NOT NULL,
                email        text        NOT NULL,
                department   text        NULL,
                manager      text        NULL,
                attributes   jsonb       NOT NULL DEFAULT '{}'::jsonb,
                created_at   timestamptz NOT NULL,
                updated_at   timestamptz NOT NULL
            );
            CREATE UNIQUE INDEX user_profiles_email_key ON user_profiles (lower(email));
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
            UserProfilesLog.MigrationApplied(logger, version, description);
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
