using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Fabrix.AppHost.Tests.Postgres;

/// <summary>
/// The AppHost's PostgreSQL resource against the machine's real PostgreSQL: the init step, the SIGTERM→SIGINT wrapper
/// that leaves the cluster <c>shut down</c> when DCP stops it (issue 8), and the provisioning health check.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class PostgresClusterTests
{
    [Fact]
    public async Task Prepare_EmptyFolder_CreatesAClusterWithTheGeneratedPassword()
    {
        await using var cluster = new ClusterUnderTest();

        await cluster.PrepareAsync();

        Assert.True(PostgresCluster.IsInitialized(cluster.Postgres));
        Assert.True(File.Exists(Path.Combine(cluster.Postgres.DataDirectory, "PG_VERSION")));
        Assert.False(Directory.Exists(cluster.Postgres.DataDirectory + ".initdb"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.Postgres.PasswordFile));
        Assert.Matches("^[0-9a-f]{32}$", cluster.SuperuserPassword);
    }

    [Fact]
    public async Task Prepare_AsRoot_GivesTheClusterToUserPostgres()
    {
        Assert.SkipUnless(PostgresCluster.IsRoot, "Only as root does the AppHost hand the cluster to user postgres.");
        await using var cluster = new ClusterUnderTest();

        await cluster.PrepareAsync();

        foreach (var path in new[] { cluster.Postgres.RootDirectory, cluster.Postgres.DataDirectory, cluster.Postgres.PasswordFile, cluster.Postgres.SocketDirectory })
        {
            Assert.Equal("postgres", (await ExternalCommand.RunAsync("stat", ["-c", "%U", path])).Trim());
        }
    }

    [Fact]
    public async Task Prepare_SecondTime_KeepsTheCluster()
    {
        await using var cluster = new ClusterUnderTest();
        await cluster.PrepareAsync();
        var marker = Path.Combine(cluster.Postgres.DataDirectory, "fabrix-test-marker");
        await File.WriteAllTextAsync(marker, "kept", TestContext.Current.CancellationToken);

        await cluster.PrepareAsync();

        Assert.Equal("kept", await File.ReadAllTextAsync(marker, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sigterm_ToTheWrapperWhileAConnectionIsOpen_LeavesTheClusterShutDown()
    {
        await using var cluster = new ClusterUnderTest();
        await cluster.StartHealthyAsync();
        await using var session = await cluster.OpenIdleSessionAsync();

        await cluster.StopWithSigtermAsync();

        Assert.Equal("shut down", await cluster.ClusterStateAsync());
        Assert.False(await FreePort.IsListeningAsync(cluster.Port, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sigkill_ToTheWrapper_ServerStillShutsDownAndLeavesTheClusterShutDown()
    {
        // DCP kills an executable whose grace period ran out; under load PostgreSQL's shutdown checkpoint can take longer.
        await using var cluster = new ClusterUnderTest();
        await cluster.StartHealthyAsync();

        await cluster.KillWrapperAsync();
        await cluster.WaitForServerExitAsync();

        Assert.Equal("shut down", await cluster.ClusterStateAsync());
        Assert.False(await FreePort.IsListeningAsync(cluster.Port, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Provisioning_ServerNotStarted_IsUnhealthy()
    {
        await using var cluster = new ClusterUnderTest();
        await cluster.PrepareAsync();

        var result = await cluster.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("not accepting connections yet", result.Description);
    }

    [Fact]
    public async Task Provisioning_AfterARestart_KeepsTheDataAndThePasswords()
    {
        await using var cluster = new ClusterUnderTest();
        await cluster.StartHealthyAsync();
        await ExecuteAsync(cluster.ConnectionString("usermanagement", cluster.RolePassword("usermanagement"), "usermanagement"),
            "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('from the first run')");
        await cluster.StopWithSigtermAsync();

        await cluster.StartHealthyAsync();

        await using var connection = new NpgsqlConnection(cluster.ConnectionString("usermanagement", cluster.RolePassword("usermanagement"), "usermanagement"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("SELECT value FROM kept", connection);
        Assert.Equal("from the first run", await query.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        await cluster.StopWithSigtermAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
