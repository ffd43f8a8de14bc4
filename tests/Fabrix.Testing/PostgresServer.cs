using Npgsql;
using Xunit;

namespace Fabrix.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for integration tests: real server, free port, fsync off (STACK.md),
/// deleted on dispose. Use it as an assembly fixture and give each test class its own database with
/// <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string OsUser = "postgres";
    private string? _root;
    private string? _binDirectory;

    /// <summary>Loopback port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Connection string of the <c>postgres</c> maintenance database.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = "postgres",
    }.ConnectionString;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _binDirectory = FindBinDirectory();
        _root = Directory.CreateTempSubdirectory("fabrix-pg-").FullName;
        if (ExternalCommand.IsRoot)
        {
            await ExternalCommand.RunAsync("chown", [$"{OsUser}:{OsUser}", _root]);
        }

        var data = Path.Combine(_root, "data");
        await ExternalCommand.RunAsync(Path.Combine(_binDirectory, "initdb"),
            ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], OsUser);

        // A port picked as free can be taken by a parallel test run before we bind it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Stops the server (fast shutdown: sessions are cut), as an outage would; <see cref="StartAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExternalCommand.RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", Path.Combine(_root!, "data"), "-m", "fast", "-w", "stop"], OsUser);
    }

    /// <summary>Starts the server on <see cref="Port"/> (again, after <see cref="StopAsync"/>).</summary>
    public Task StartAsync() =>
        ExternalCommand.RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
            ["-D", Path.Combine(_root!, "data"), "-l", Path.Combine(_root!, "postgres.log"), "-w", "-t", "30",
             "-o", $"-F -h 127.0.0.1 -p {Port} -k {_root} -c max_connections=300", "start"], OsUser);

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var safePrefix = new string(prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30).ToArray());
        var name = $"{safePrefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// A fresh database owned by a new LOGIN role of the same name (no superuser, no CREATEDB), closed to PUBLIC, and the
    /// connection string as that role: how the AppHost gives a plugin its database (issue 7 section 7).
    /// </summary>
    public async Task<string> CreateOwnedDatabaseAsync(string prefix = "plugin")
    {
        var safePrefix = new string(prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30).ToArray());
        var name = $"{safePrefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var sql in new[]
            {
                $"CREATE ROLE \"{name}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
                $"CREATE DATABASE \"{name}\" OWNER \"{name}\"",
                $"REVOKE CONNECT, TEMPORARY ON DATABASE \"{name}\" FROM PUBLIC",
            })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Username = name }.ConnectionString;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_root is null || _binDirectory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await ExternalCommand.RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
                ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], OsUser);
        }
        catch (InvalidOperationException)
        {
            // Already stopped (a test stopped it, or it never started); the folder is removed either way.
        }

        Directory.Delete(_root, recursive: true);
    }

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("FABRIX_PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return installed ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `bash eng/setup.sh` (apt-get install -y postgresql).");
    }
}
