using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Processes;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Processes;

public sealed class MissingToolTests
{
    /// <summary>A machine where nothing is installed: no PATH, no system folders, no PostgreSQL folder.</summary>
    private static ExecutableLocator EmptyMachine() => new(string.Empty, systemFolders: [], postgresRoot: "/nonexistent/postgresql");

    [Fact]
    public async Task Start_PostgresAndNatsMissing_FailsWithOneLineNamingTheBinariesAndTheFix()
    {
        await using var run = new TestRun(locator: EmptyMachine());
        var builder = TestRun.Builder();
        builder.AddPostgres("postgres", 5433);
        builder.AddNats("nats", 4222);
        var orchestrator = new Orchestrator(builder.Resources, run.Context);

        var error = await Assert.ThrowsAsync<AppHostException>(() => orchestrator.StartAsync(TestContext.Current.CancellationToken));

        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("initdb (PostgreSQL), pg_ctl (PostgreSQL), postgres (PostgreSQL), ", error.Message, StringComparison.Ordinal);
        Assert.Contains("nats-server (NATS server)", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("install with `bash eng/setup.sh` or `sudo apt-get install -y postgresql nats-server`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnlyNatsMissing_NamesOnlyNatsAndItsPackage()
    {
        await using var run = new TestRun(locator: EmptyMachine());
        var builder = TestRun.Builder();
        builder.AddNats("nats", 4222);
        var orchestrator = new Orchestrator(builder.Resources, run.Context);

        var error = await Assert.ThrowsAsync<AppHostException>(() => orchestrator.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal("nats-server (NATS server) was not found; install with `bash eng/setup.sh` or `sudo apt-get install -y nats-server`", error.Message);
    }

    [Fact]
    public void Find_BinaryInASystemFolder_IsFoundWithoutPath()
    {
        var locator = new ExecutableLocator(string.Empty, systemFolders: ["/bin", "/usr/bin"]);

        Assert.NotNull(locator.Find("sh"));
        Assert.Null(locator.Find("fabrix-no-such-binary"));
    }
}
