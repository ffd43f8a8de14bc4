using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Fabrix.Core.Registry.Persistence;

/// <summary>Readiness: PostgreSQL answers and the schema is migrated.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select coalesce(max(version), 0) from schema_migrations");
            var version = (int)(await command.ExecuteScalarAsync(cancellationToken) ?? 0);
            var expected = MigrationRunner.Migrations[^1].Version;
            return version >= expected
                ? HealthCheckResult.Healthy($"schema version {version}")
                : HealthCheckResult.Unhealthy($"schema version {version}, expected {expected}");
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.", exception);
        }
    }
}
