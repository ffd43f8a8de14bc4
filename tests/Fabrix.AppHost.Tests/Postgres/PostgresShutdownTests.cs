using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.AppHost.Tests.Postgres;

/// <summary>
/// The AppHost's own stop of each cluster (<see cref="PostgresShutdown"/>) against the machine's real PostgreSQL, and
/// its place among the hosted services: it must run before Aspire's orchestrator stops the resources, because DCP kills
/// the server's whole process tree about 6 s after its SIGTERM (microsoft/aspire#18237).
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class PostgresShutdownTests
{
    [Fact]
    public async Task Stop_RunningClusterWithAnOpenSession_ServerIsGoneOnReturnAndTheClusterIsShutDown()
    {
        await using var cluster = new ClusterUnderTest();
        await cluster.StartHealthyAsync();
        await using var session = await cluster.OpenIdleSessionAsync();
        var (shutdown, log) = Shutdown(cluster.Postgres);

        // No signal from the test: the wrapper and the server are stopped by the service alone.
        await shutdown.StopAsync(TestContext.Current.CancellationToken);

        Assert.False(File.Exists(Path.Combine(cluster.Postgres.DataDirectory, "postmaster.pid")), "pg_ctl -w returns once the server has exited");
        Assert.Equal("shut down", await cluster.ClusterStateAsync());
        Assert.Contains(log.Messages, m => m.StartsWith("postgres shut down cleanly in ", StringComparison.Ordinal));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(90));
        await cluster.Server.WaitForExitAsync(bound.Token);
        Assert.Equal(0, cluster.Server.ExitCode);
    }

    [Fact]
    public async Task Stop_ClusterNeverStarted_LogsNotRunningAndDoesNotThrow()
    {
        await using var cluster = new ClusterUnderTest();
        await cluster.PrepareAsync();
        var (shutdown, log) = Shutdown(cluster.Postgres);

        await shutdown.StopAsync(TestContext.Current.CancellationToken);

        Assert.Contains("postgres was not running; nothing to stop", log.Messages);
        Assert.DoesNotContain(log.Messages, m => m.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_ClusterNotCreatedYet_LogsNotRunning()
    {
        await using var cluster = new ClusterUnderTest();
        var (shutdown, log) = Shutdown(cluster.Postgres);

        await shutdown.StopAsync(TestContext.Current.CancellationToken);

        Assert.Contains("postgres was not running; nothing to stop", log.Messages);
    }

    [Fact]
    public void Registration_Platform_StopsBeforeAspiresOrchestratorAndOneAtATime()
    {
        using var platform = new PlatformModel();
        var hostedServices = platform.Builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();

        var shutdown = hostedServices.FindIndex(d => d.ImplementationType == typeof(PostgresShutdown));
        var orchestrator = hostedServices.FindIndex(d => d.ImplementationType?.FullName == "Aspire.Hosting.Orchestrator.OrchestratorHostService");
        var crashRestarts = hostedServices.FindIndex(d => d.ImplementationType == typeof(CrashRestarts));

        // The host stops hosted services in reverse order of registration (one after the other unless
        // ServicesStopConcurrently): registered later = stopped earlier.
        Assert.NotEqual(-1, orchestrator);
        Assert.True(shutdown > orchestrator, $"PostgresShutdown (#{shutdown}) must be registered after OrchestratorHostService (#{orchestrator})");
        Assert.True(crashRestarts > orchestrator, "CrashRestarts is registered after OrchestratorHostService");
        Assert.Single(hostedServices, d => d.ImplementationType == typeof(PostgresShutdown));
        using var app = platform.Builder.Build();
        Assert.False(app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ServicesStopConcurrently);
    }

    private static (PostgresShutdown Shutdown, RecordingLogger<PostgresShutdown> Log) Shutdown(FabrixPostgresResource postgres)
    {
        var log = new RecordingLogger<PostgresShutdown>();
        var model = new DistributedApplicationModel(new List<IResource> { postgres });
        var shutdown = new PostgresShutdown(model, new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), TimeProvider.System, log);
        return (shutdown, log);
    }
}
