using System.Net;
using System.Net.Sockets;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;

namespace Fabrix.AppHost.Tests.Orchestration;

/// <summary>The orchestrator over real PostgreSQL and NATS.</summary>
[Collection(RealProcesses.Name)]
public sealed class OrchestratorTests
{
    [Fact]
    public async Task StartThenStop_PostgresAndNats_RunAndStopInReverseOrder()
    {
        await using var run = new TestRun();
        var builder = TestRun.Builder();
        builder.AddPostgres("postgres", FreePort.Next()).WithDatabase("registry");
        builder.AddNats("nats", FreePort.Next());
        var orchestrator = new Orchestrator(builder.Resources, run.Context);
        var events = new List<(string Name, ResourceState State)>();
        orchestrator.StateChanged += (resource, state) => { lock (events) { events.Add((resource.Name, state)); } };

        await orchestrator.StartAsync(TestContext.Current.CancellationToken);
        Assert.All(builder.Resources, r => Assert.Equal(ResourceState.Running, orchestrator.StateOf(r)));
        await orchestrator.StopAsync();

        Assert.All(builder.Resources, r => Assert.Equal(ResourceState.Stopped, orchestrator.StateOf(r)));
        var stopping = events.Where(e => e.State == ResourceState.Stopping).Select(e => e.Name);
        Assert.Equal(orchestrator.StartOrder.Reverse().Select(r => r.Name), stopping);
        Assert.All(builder.Resources.SelectMany(r => r.Endpoints), e => Assert.True(PortCheck.IsFree(e.Port)));
    }

    [Fact]
    public async Task Start_PortTaken_FailsBeforeStartingAnything()
    {
        await using var run = new TestRun();
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var takenPort = ((IPEndPoint)other.LocalEndpoint).Port;
        var builder = TestRun.Builder();
        var postgres = builder.AddPostgres("postgres", FreePort.Next());
        builder.AddNats("nats", takenPort);
        var orchestrator = new Orchestrator(builder.Resources, run.Context);

        var error = await Assert.ThrowsAsync<AppHostException>(() => orchestrator.StartAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith($"port {takenPort} (nats tcp) is in use by another process; stop it or run with --port-offset ", error.Message, StringComparison.Ordinal);
        Assert.All(builder.Resources, r => Assert.Equal(ResourceState.Pending, orchestrator.StateOf(r)));
        Assert.False(Directory.Exists(postgres.DataDirectory(run.Context)));
    }

    [Fact]
    public async Task Start_ResourceFailsToStart_StopsWhatStartedAndNamesTheLog()
    {
        await using var run = new TestRun();
        var postgresPort = FreePort.Next();
        var firstRun = TestRun.Builder().AddPostgres("postgres", postgresPort);
        await run.StartAsync(firstRun);
        await run.StopAsync(firstRun);
        File.AppendAllText(Path.Combine(firstRun.DataDirectory(run.Context), "postgresql.conf"), "\nfabrix_no_such_setting = 1\n");
        var builder = TestRun.Builder();
        builder.AddPostgres("postgres", postgresPort);
        var nats = builder.AddNats("nats", FreePort.Next());
        var orchestrator = new Orchestrator(builder.Resources, run.Context);

        var error = await Assert.ThrowsAsync<AppHostException>(() => orchestrator.StartAsync(TestContext.Current.CancellationToken));

        Assert.Matches(@"^postgres exited with code \d+ before it was ready; see .*postgres\.log$", error.Message);
        Assert.Contains(error.Details, line => line.Contains("fabrix_no_such_setting", StringComparison.Ordinal));
        Assert.Equal(ResourceState.Stopped, orchestrator.StateOf(nats));
        Assert.True(PortCheck.IsFree(nats.Endpoint.Port));
    }

    [Fact]
    public async Task Run_InfrastructureOnly_PrintsTheTableAndTheReadyLineThenStopsOnCancel()
    {
        await using var run = new TestRun();
        var options = new AppHostOptions { DataRoot = run.DataRoot };
        var builder = new FabrixAppHostBuilder(options, repositoryRoot: null) { Reporter = run.Reporter };
        var postgres = builder.AddPostgres("postgres", FreePort.Next()).WithDatabase("registry");
        var nats = builder.AddNats("nats", FreePort.Next());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var running = builder.Build().RunAsync(stop.Token);
        var ready = await run.WaitForLineAsync("FABRIX READY ", running);
        await stop.CancelAsync();
        var exitCode = await running;

        Assert.Equal(0, exitCode);
        Assert.Equal($"FABRIX READY postgres={postgres.Url} nats={nats.Url} data={run.DataRoot}", ready);
        var output = run.Output.ToString();
        Assert.Contains("│ postgres ", output, StringComparison.Ordinal);
        Assert.Contains("│ Running ", output, StringComparison.Ordinal);
        Assert.EndsWith("Stopped.", output.TrimEnd(), StringComparison.Ordinal);
        Assert.True(PortCheck.IsFree(postgres.Endpoint.Port));
        Assert.True(PortCheck.IsFree(nats.Endpoint.Port));
    }

    [Fact]
    public async Task Run_SecondAppHostOnTheSameDataRoot_IsRefused()
    {
        await using var run = new TestRun();
        using var first = DataRootLock.Acquire(run.DataRoot, run.Context.RunDirectory);

        var error = Assert.Throws<AppHostException>(() => DataRootLock.Acquire(run.DataRoot, run.Context.RunDirectory));

        Assert.StartsWith($"another Fabrix AppHost is already running with the data folder {run.DataRoot}", error.Message, StringComparison.Ordinal);
    }
}
