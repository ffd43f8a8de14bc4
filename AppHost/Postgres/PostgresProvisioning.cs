using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// The health check of a <see cref="FabrixPostgresResource"/> and of its databases: healthy once the server accepts the
/// superuser and every declared role and database exists with the right owner and access. Provisioning runs once per
/// server start (tracked by <c>pg_postmaster_start_time()</c>) and is idempotent: it creates what is missing, resets
/// role passwords to the files' and revokes CONNECT and TEMPORARY from PUBLIC on every database. Names are checked when
/// declared and passwords are hex, so quoting is enough: these statements take no parameters.
/// </summary>
internal sealed class PostgresProvisioning(FabrixPostgresResource postgres) : IHealthCheck
{
    private readonly Lock _lock = new();
    private (DateTime Started, Task Work)? _provisioning;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var password = await postgres.Password.GetValueAsync(cancellationToken) ?? string.Empty;
        try
        {
            await using var connection = new NpgsqlConnection(FabrixPostgresResource.ServerConnectionString(postgres.Port, password, "postgres"));
            await connection.OpenAsync(cancellationToken);
            var started = (DateTime)(await ScalarAsync(connection, "SELECT pg_postmaster_start_time()", cancellationToken))!;
            Task work;
            lock (_lock)
            {
                // One provisioning per server start, shared by the server's and its databases' checks; a failed or
                // cancelled one is tried again at the next check.
                if (_provisioning is not { } current || current.Started != started || current.Work.IsFaulted || current.Work.IsCanceled)
                {
                    _provisioning = (started, ProvisionAsync(password, cancellationToken));
                }

                work = _provisioning.Value.Work;
            }

            await work;
            return HealthCheckResult.Healthy();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL refused the password in {postgres.PasswordFile}; restore the right one, or delete {postgres.Display} to create a new, empty cluster");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("not accepting connections yet", e);
        }
    }

    private async Task ProvisionAsync(string superuserPassword, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(FabrixPostgresResource.ServerConnectionString(postgres.Port, superuserPassword, "postgres"));
        await connection.OpenAsync(cancellationToken);
        foreach (var database in postgres.Databases.Where(d => d is { Owner: not null, OwnerPassword: not null }))
        {
            var rolePassword = await database.OwnerPassword!.GetValueAsync(cancellationToken);
            var verb = await ScalarAsync(connection, $"SELECT 1 FROM pg_roles WHERE rolname = '{database.Owner}'", cancellationToken) is null ? "CREATE" : "ALTER";
            await ExecuteAsync(connection, $"{verb} ROLE \"{database.Owner}\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{rolePassword}'", cancellationToken);
        }

        foreach (var database in postgres.Databases)
        {
            var name = database.DatabaseName;
            if (await ScalarAsync(connection, $"SELECT 1 FROM pg_database WHERE datname = '{name}'", cancellationToken) is null)
            {
                await ExecuteAsync(connection, database.Owner is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" OWNER \"{database.Owner}\"", cancellationToken);
            }
            else if (database.Owner is not null)
            {
                await ExecuteAsync(connection, $"ALTER DATABASE \"{name}\" OWNER TO \"{database.Owner}\"", cancellationToken);
                await HandOverTablesAsync(database, superuserPassword, cancellationToken);
            }

            // The owner (and the superuser) keep their access; every other role is refused at connection time.
            await ExecuteAsync(connection, $"REVOKE CONNECT, TEMPORARY ON DATABASE \"{name}\" FROM PUBLIC", cancellationToken);
        }

        await ExecuteAsync(connection, "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC", cancellationToken);
    }

    /// <summary>Tables an earlier run created as the superuser in a plugin's database go to the database's owner.</summary>
    private async Task HandOverTablesAsync(FabrixPostgresDatabaseResource database, string superuserPassword, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(FabrixPostgresResource.ServerConnectionString(postgres.Port, superuserPassword, database.DatabaseName));
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $$"""
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> '{{database.Owner}}'
              LOOP
                EXECUTE format('ALTER TABLE %s OWNER TO %I', r.name, '{{database.Owner}}');
              END LOOP;
            END $$;
            """, cancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
