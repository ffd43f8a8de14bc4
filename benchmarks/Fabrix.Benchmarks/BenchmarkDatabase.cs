using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Fabrix.Benchmarks;

/// <summary>
/// A throwaway registry database for <c>--store postgres</c>: <c>fabrix_bench_&lt;random&gt;</c> created on the given
/// server, migrated by the registry's own <see cref="MigrationRunner"/>, seeded with active plugins, and dropped on
/// dispose — after a failed run too (only a killed process leaves it behind; drop it by hand then).
/// </summary>
internal sealed class BenchmarkDatabase : IAsyncDisposable
{
    private readonly string _serverConnection;

    private BenchmarkDatabase(string serverConnection, string name, NpgsqlDataSource dataSource)
    {
        _serverConnection = serverConnection;
        Name = name;
        DataSource = dataSource;
    }

    /// <summary>The database's name, <c>fabrix_bench_</c> and 16 random hex digits.</summary>
    public string Name { get; }

    /// <summary>Connections to the benchmark database; the registry's <see cref="RegistryDatabase"/> runs on it.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Migrations the runner applied (all of them: the database is new).</summary>
    public int Migrations { get; private set; }

    /// <summary>The server's CPU time, when the server runs on this machine (<see cref="PostgresServerCpu"/>).</summary>
    public PostgresServerCpu? ServerCpu { get; private set; }

    /// <summary>
    /// Creates and migrates a new database on the server of <paramref name="serverConnection"/>, whose own database
    /// is used only to create and drop it (the role needs <c>CREATEDB</c>).
    /// </summary>
    public static async Task<BenchmarkDatabase> CreateAsync(string serverConnection, CancellationToken cancellationToken)
    {
        var name = $"fabrix_bench_{RandomNumberGenerator.GetHexString(16, lowercase: true)}";
        await using (var connection = await OpenServerAsync(serverConnection, cancellationToken))
        {
            // The name is ours (letters, digits, underscore): quoting is enough; CREATE DATABASE takes no parameters.
            await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(serverConnection) { Database = name });
        var database = new BenchmarkDatabase(serverConnection, name, dataSource);
        try
        {
            var runner = new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance);
            database.Migrations = await runner.RunAsync(cancellationToken);
            database.ServerCpu = await PostgresServerCpu.LocateAsync(dataSource, cancellationToken);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Installs every plugin of <paramref name="server"/> as <c>active</c>, the way the registry stores an installed,
    /// registered and enabled plugin: revision 1 of its manifest (valid by <see cref="ManifestValidator"/>, with an
    /// HTTP <c>health_check</c> on the server's port and the plugin's own path) and its <c>plugins</c> row with
    /// address <c>http://127.0.0.1:&lt;port&gt;</c>.
    /// </summary>
    public async Task SeedAsync(PluginHealthServer server, CancellationToken cancellationToken)
    {
        var port = server.Address.Port;
        var now = RegistryDatabase.PostgresPrecision(TimeProvider.System.GetUtcNow());
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var id in server.PluginIds)
        {
            var json = ManifestJson(id, port);
            var manifest = ValidManifest(json, id, port);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("""
                        insert into plugin_manifests (plugin_id, revision, version, manifest_json, manifest_digest, installed_at, installed_by)
                        values ($1, 1, $2, $3, $4, $5, 'benchmark')
                        """)
                    {
                        Parameters = { new() { Value = id }, new() { Value = manifest.Version }, new() { Value = json }, new() { Value = ManifestDigest.Compute(json) }, new() { Value = now } },
                    },
                    new NpgsqlBatchCommand("""
                        insert into plugins (id, status, manifest_revision, name, version, description, contracts, traits, dependencies,
                                             manifest_digest, enable_on_register, address, installed_at, registered_at, last_seen_at,
                                             last_heartbeat_at, heartbeat_metrics, updated_at)
                        values ($1, 'active', 1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10, $10, $10, null, null, $10)
                        """)
                    {
                        Parameters =
                        {
                            new() { Value = id },
                            new() { Value = manifest.Name },
                            new() { Value = manifest.Version },
                            new() { Value = manifest.Description ?? string.Empty },
                            new() { Value = manifest.Contracts.ToArray() },
                            new() { Value = manifest.Traits.ToArray() },
                            new() { Value = manifest.Dependencies.ToArray() },
                            new() { Value = ManifestDigest.Compute(json) },
                            new() { Value = $"http://127.0.0.1:{port}" },
                            new() { Value = now },
                        },
                    },
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Rows the health store wrote: <c>health_samples</c> in all and with <c>at</c> in [<paramref name="windowStart"/>,
    /// <paramref name="windowEnd"/>), <c>health_transitions</c>, <c>event_outbox</c> rows and <c>plugin.health</c>
    /// audit rows.
    /// </summary>
    public async Task<HealthRowCounts> CountAsync(DateTimeOffset windowStart, DateTimeOffset windowEnd, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand("""
            select (select count(*) from health_samples),
                   (select count(*) from health_samples where at >= $1 and at < $2),
                   (select count(*) from health_transitions),
                   (select count(*) from event_outbox),
                   (select count(*) from audit_log where action = $3)
            """);
        command.Parameters.Add(new() { Value = RegistryDatabase.PostgresPrecision(windowStart) });
        command.Parameters.Add(new() { Value = RegistryDatabase.PostgresPrecision(windowEnd) });
        command.Parameters.Add(new() { Value = AuditActions.Health });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new HealthRowCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>Closes the pool and drops the database; a failed drop is reported with the name to drop by hand.</summary>
    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        try
        {
            await using var connection = await OpenServerAsync(_serverConnection, CancellationToken.None);

            // FORCE (PostgreSQL 13+) ends sessions still attached, e.g. after a cancelled run.
            await using var drop = new NpgsqlCommand($"drop database if exists \"{Name}\" with (force)", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"warning: could not drop the benchmark database {Name}: {exception.Message}. Drop it by hand.");
        }
    }

    /// <summary>A manifest every validator rule accepts, with the plugin's own health path on the shared server.</summary>
    private static string ManifestJson(string pluginId, int port) => new JsonObject
    {
        ["id"] = pluginId,
        ["name"] = $"Benchmark plugin {pluginId}",
        ["version"] = "1.0.0",
        ["description"] = "Seeded by benchmarks/Fabrix.Benchmarks for the health monitor benchmark.",
        ["contracts"] = new JsonArray("ProcessingPlugin"),
        ["traits"] = new JsonArray("audit_required"),
        ["security"] = new JsonObject
        {
            ["authentication_required"] = true,
            ["data_classification"] = new JsonArray("internal"),
        },
        ["compliance"] = new JsonObject { ["audit_level"] = "basic" },
        ["health_check"] = new JsonObject
        {
            ["type"] = "http",
            ["port"] = port,
            ["path"] = $"/health/{pluginId}",
        },
    }.ToJsonString();

    private static PluginManifest ValidManifest(string json, string pluginId, int port)
    {
        var result = ManifestValidator.Validate(json);
        if (result.Manifest is not { } manifest)
        {
            throw new InvalidOperationException(
                $"The seeded manifest of {pluginId} is invalid: {string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}"))}");
        }

        if (manifest.HealthCheck != new ManifestHealthCheck("http", port, $"/health/{pluginId}"))
        {
            throw new InvalidOperationException($"The seeded manifest of {pluginId} does not read back its health_check.");
        }

        return manifest;
    }

    private static async Task<NpgsqlConnection> OpenServerAsync(string serverConnection, CancellationToken cancellationToken)
    {
        // Not pooled: a pooled idle session on the server's database would outlive the run.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(serverConnection) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

/// <summary>Rows in the benchmark database after the monitor stopped (<see cref="BenchmarkDatabase.CountAsync"/>).</summary>
internal sealed record HealthRowCounts(long Samples, long SamplesInWindow, long Transitions, long OutboxRows, long HealthAuditRows);
