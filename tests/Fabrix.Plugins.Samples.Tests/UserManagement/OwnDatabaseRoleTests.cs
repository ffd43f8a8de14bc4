using System.Net;
using Fabrix.Testing;
using Npgsql;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>
/// Issue 7 section 7: the AppHost gives the sample its own database through a role that owns only that database. The
/// sample must work as that role: no superuser, no CREATEDB.
/// </summary>
public sealed class OwnDatabaseRoleTests(PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_AsTheOwnerRoleOfItsDatabase_AppliesItsSchemaAndServes()
    {
        var connectionString = await postgres.CreateOwnedDatabaseAsync("usermanagement");
        await using var factory = new UserManagementFactory(connectionString);
        using var http = factory.CreateClient();

        using var alive = await http.GetAsync("/alive", Cancel);
        var owners = await TableOwnersAsync(connectionString);

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.NotEmpty(owners);
        Assert.All(owners, owner => Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Username, owner));
    }

    private static async Task<List<string>> TableOwnersAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'", connection);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var owners = new List<string>();
        while (await reader.ReadAsync(Cancel))
        {
            owners.Add(reader.GetString(0));
        }

        return owners;
    }
}
