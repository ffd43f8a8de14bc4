using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;
using Npgsql;

namespace Fabrix.AppHost.Tests.Postgres;

/// <summary>The AppHost's PostgreSQL resource against the machine's real PostgreSQL binaries.</summary>
[Collection(RealProcesses.Name)]
public sealed class PostgresResourceTests
{
    [Fact]
    public async Task Start_FirstRun_CreatesAPasswordProtectedClusterWithTheDeclaredDatabases()
    {
        await using var run = new TestRun();
        var postgres = NewPostgres(FreePort.Next());

        await run.StartAsync(postgres);

        Assert.True(File.Exists(Path.Combine(postgres.DataDirectory(run.Context), "PG_VERSION")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(postgres.PasswordFile(run.Context)));
        foreach (var database in new[] { "registry", "usermanagement" })
        {
            Assert.Equal(database, await ScalarAsync(postgres.ConnectionStringFor(database), "SELECT current_database()"));
        }

        var withoutPassword = new NpgsqlConnectionStringBuilder(postgres.ConnectionStringFor("registry")) { Password = "wrong" }.ConnectionString;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(withoutPassword, "SELECT 1"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Fact]
    public async Task Start_DataRootClosedToOthers_LetsUserPostgresThroughIt()
    {
        await using var run = new TestRun();
        File.SetUnixFileMode(run.DataRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var postgres = NewPostgres(FreePort.Next());

        await run.StartAsync(postgres);

        Assert.Equal("registry", await ScalarAsync(postgres.ConnectionStringFor("registry"), "SELECT current_database()"));
        if (run.Context.Launch.IsRoot)
        {
            Assert.Equal(UnixFileMode.OtherExecute, File.GetUnixFileMode(run.DataRoot) & (UnixFileMode.OtherExecute | UnixFileMode.OtherRead));
        }
    }

    [Fact]
    public async Task Start_SecondRun_ReusesTheClusterAndItsData()
    {
        await using var run = new TestRun();
        var port = FreePort.Next();
        var first = NewPostgres(port);
        await run.StartAsync(first);
        await ScalarAsync(first.ConnectionStringFor("registry"), "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('from the first run')");
        var password = File.ReadAllText(first.PasswordFile(run.Context));
        await run.StopAsync(first);
        Assert.True(PortCheck.IsFree(port));

        var second = NewPostgres(port);
        await run.StartAsync(second);

        Assert.Equal("from the first run", await ScalarAsync(second.ConnectionStringFor("registry"), "SELECT value FROM kept"));
        Assert.Equal(password, File.ReadAllText(second.PasswordFile(run.Context)));
        Assert.Contains("Creating the PostgreSQL cluster", run.Output.ToString(), StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(run.Output.ToString(), "Creating the PostgreSQL cluster"));
    }

    [Fact]
    public async Task Start_ServerLeftRunningByAKilledRun_IsStoppedAndStartedAgain()
    {
        await using var run = new TestRun();
        var port = FreePort.Next();
        var abandoned = NewPostgres(port);
        await run.StartAsync(abandoned);
        await ScalarAsync(abandoned.ConnectionStringFor("registry"), "CREATE TABLE survived (id int)");

        // A new AppHost run over the same data folder, as after `kill -9` of the previous one.
        var next = NewPostgres(port);
        await next.StopLeftoverAsync(run.Context, TestContext.Current.CancellationToken);
        Assert.True(PortCheck.IsFree(port));
        await run.StartAsync(next);

        Assert.Equal(0L, await ScalarAsync(next.ConnectionStringFor("registry"), "SELECT count(*) FROM survived"));
        Assert.Contains("left running by an earlier run", run.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_RunningServer_ShutsDownAndFreesThePort()
    {
        await using var run = new TestRun();
        var port = FreePort.Next();
        var postgres = NewPostgres(port);
        await run.StartAsync(postgres);

        await run.StopAsync(postgres);

        Assert.True(postgres.Exited!.IsCompleted);
        Assert.True(PortCheck.IsFree(port));
        Assert.Contains("database system is shut down", File.ReadAllText(run.Context.LogPathFor("postgres")), StringComparison.Ordinal);
        Assert.False(File.Exists(run.Context.PidFileFor("postgres")));
    }

    [Fact]
    public async Task Prepare_ClusterWithoutItsPasswordFile_FailsWithTheFix()
    {
        await using var run = new TestRun();
        var postgres = NewPostgres(FreePort.Next());
        await run.StartAsync(postgres);
        await run.StopAsync(postgres);
        File.Delete(postgres.PasswordFile(run.Context));

        var error = await Assert.ThrowsAsync<AppHostException>(() => NewPostgres(FreePort.Next()).PrepareAsync(run.Context, TestContext.Current.CancellationToken));

        Assert.Contains("has no password file", error.Message, StringComparison.Ordinal);
        Assert.Contains("to create a new, empty cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DatabaseWithOwner_OwnerUsesItsDatabaseAndIsRefusedByTheOthers()
    {
        await using var run = new TestRun();
        var postgres = NewPostgres(FreePort.Next());

        await run.StartAsync(postgres);

        var plugin = postgres.ConnectionStringFor("usermanagement");
        Assert.Equal("usermanagement", new NpgsqlConnectionStringBuilder(plugin).Username);
        Assert.Equal("usermanagement", await ScalarAsync(plugin, "CREATE TABLE mine (id int); SELECT current_user::text"));
        var intoRegistry = new NpgsqlConnectionStringBuilder(plugin) { Database = "registry" }.ConnectionString;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(intoRegistry, "SELECT 1"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal("registry", await ScalarAsync(postgres.ConnectionStringFor("registry"), "SELECT current_database()"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(postgres.RolePasswordFile(run.Context, "usermanagement")));
    }

    [Fact]
    public async Task Start_DatabaseMadeBeforeItHadAnOwner_IsHandedToTheOwnerWithItsTables()
    {
        await using var run = new TestRun();
        var port = FreePort.Next();
        var before = TestRun.Builder().AddPostgres("postgres", port).WithDatabase("registry").WithDatabase("usermanagement");
        await run.StartAsync(before);
        await ScalarAsync(before.ConnectionStringFor("usermanagement"), "CREATE TABLE profiles (name text); INSERT INTO profiles VALUES ('kept')");
        await run.StopAsync(before);

        var after = NewPostgres(port);
        await run.StartAsync(after);

        Assert.Equal("kept", await ScalarAsync(after.ConnectionStringFor("usermanagement"), "INSERT INTO profiles VALUES ('new'); SELECT min(name) FROM profiles"));
    }

    private static PostgresResource NewPostgres(int port) =>
        TestRun.Builder(repositoryRoot: null).AddPostgres("postgres", port).WithDatabase("registry").WithDatabase("usermanagement", owner: "usermanagement");

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
