using Fabrix.AppHost.Tests.Support;
using Npgsql;

namespace Fabrix.AppHost.Tests.Postgres;

/// <summary>
/// Once the provisioning health check reports healthy, every declared database exists with its owner, and a plugin's
/// role reaches its own database only (issue 7 section 7), against a real server run through the AppHost's wrapper.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class PostgresProvisioningTests(RunningCluster running) : IClassFixture<RunningCluster>
{
    private readonly ClusterUnderTest _cluster = running.Cluster;

    [Fact]
    public async Task Healthy_Databases_AreRegistryAsTheSuperusersAndUserManagementAsItsRoles()
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("postgres", _cluster.SuperuserPassword, "postgres"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand(
            "SELECT datname || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname IN ('registry', 'usermanagement') ORDER BY datname", connection);
        var databases = new List<string>();
        await using (var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                databases.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["registry:postgres", "usermanagement:usermanagement"], databases);
    }

    [Fact]
    public async Task Healthy_PluginRole_IsAnUnprivilegedLogin()
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("postgres", _cluster.SuperuserPassword, "postgres"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand(
            "SELECT rolcanlogin::text || rolsuper::text || rolcreatedb::text || rolcreaterole::text FROM pg_roles WHERE rolname = 'usermanagement'", connection);

        Assert.Equal("truefalsefalsefalse", await query.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PluginRole_OwnDatabase_Connects()
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("usermanagement", _cluster.RolePassword("usermanagement"), "usermanagement"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("SELECT current_user || '@' || current_database()", connection);

        Assert.Equal("usermanagement@usermanagement", await query.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("registry")]
    [InlineData("postgres")]
    public async Task PluginRole_CoresDatabases_AreRefusedWithInsufficientPrivilege(string database)
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("usermanagement", _cluster.RolePassword("usermanagement"), database));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task Superuser_WrongPassword_IsRefused()
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("postgres", "wrong", "registry"));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(TestContext.Current.CancellationToken));

        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Fact]
    public async Task CheckHealth_AlreadyProvisioned_IsHealthyAgain()
    {
        var result = await _cluster.CheckHealthAsync();

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, result.Status);
    }
}
