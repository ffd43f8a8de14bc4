using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Postgres;
using Fabrix.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Fabrix.AppHost.Tests.Support;

/// <summary>
/// The AppHost's PostgreSQL resource (<c>AddFabrixPostgres</c> with the platform's two databases) on a temp data folder
/// and a free port, run by the test itself as DCP would run it: <c>/bin/bash</c> with
/// <see cref="PostgresCluster.RunArguments"/>, stopped with SIGTERM to that bash process only.
/// </summary>
internal sealed partial class ClusterUnderTest : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>Bounds every wait so that a hang fails the test; never what a test asserts.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private readonly TempFolder _data = new("fabrix-pg-");
    private readonly StringBuilder _serverOutput = new();
    private Process? _server;

    public ClusterUnderTest()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });
        Port = FreePort.Next();
        var postgres = builder.AddFabrixPostgres("postgres", _data.Path, Port);
        postgres.AddDatabase("registry-db", "registry");
        postgres.AddDatabase("usermanagement-db", "usermanagement", owner: "usermanagement");
        Postgres = postgres.Resource;
    }

    public FabrixPostgresResource Postgres { get; }

    public int Port { get; }

    public string DataRoot => _data.Path;

    public bool IsRunning => _server is { HasExited: false };

    public Process Server => _server ?? throw new InvalidOperationException("The server was not started.");

    public string ServerOutput
    {
        get
        {
            lock (_serverOutput)
            {
                return _serverOutput.ToString();
            }
        }
    }

    public Task PrepareAsync() => PostgresCluster.PrepareAsync(Postgres, TestContext.Current.CancellationToken);

    /// <summary>Starts the server as DCP would, through the SIGTERM→SIGINT wrapper.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in PostgresCluster.RunArguments(Postgres, Port))
        {
            start.ArgumentList.Add(argument);
        }

        _server = Process.Start(start) ?? throw new InvalidOperationException("Could not start /bin/bash.");
        _server.OutputDataReceived += (_, e) => Record(e.Data);
        _server.ErrorDataReceived += (_, e) => Record(e.Data);
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
    }

    /// <summary>Prepares the cluster (initdb once), starts it through the wrapper and waits until it is provisioned.</summary>
    public async Task StartHealthyAsync()
    {
        await PrepareAsync();
        Start();
        await WaitUntilHealthyAsync();
    }

    /// <summary>
    /// An open, idle superuser session, as a service's connection pool holds: SIGTERM alone ("smart" shutdown) would
    /// wait for it; a fast shutdown ends it.
    /// </summary>
    public async Task<NpgsqlConnection> OpenIdleSessionAsync()
    {
        var session = new NpgsqlConnection(ConnectionString("postgres", SuperuserPassword, "registry"));
        await session.OpenAsync(TestContext.Current.CancellationToken);
        return session;
    }

    public Task<HealthCheckResult> CheckHealthAsync() =>
        new PostgresProvisioning(Postgres).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

    /// <summary>Waits until the provisioning health check reports healthy (the server accepts connections, roles and databases exist).</summary>
    public async Task WaitUntilHealthyAsync()
    {
        var check = new PostgresProvisioning(Postgres);
        await Eventually.ForAsync(
            async () =>
            {
                Assert.False(Server.HasExited, $"the server exited with code {(Server.HasExited ? Server.ExitCode : 0)}: {ServerOutput}");
                return await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
            },
            result => result.Status == HealthStatus.Healthy,
            Bound,
            "PostgreSQL healthy (provisioned)",
            TestContext.Current.CancellationToken,
            every: TimeSpan.FromMilliseconds(250));
    }

    /// <summary>SIGTERM to the wrapper's bash only (as DCP stops an executable), then waits for it to exit.</summary>
    public async Task StopWithSigtermAsync()
    {
        Assert.Equal(0, Kill(Server.Id, SigTerm));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(Bound);
        await Server.WaitForExitAsync(bound.Token);
    }

    /// <summary>SIGKILL to the wrapper's bash only (as DCP ends an executable whose grace period ran out), then waits for it to exit.</summary>
    public async Task KillWrapperAsync()
    {
        Assert.Equal(0, Kill(Server.Id, SigKill));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(Bound);
        await Server.WaitForExitAsync(bound.Token);
    }

    /// <summary>Waits until the server itself has exited: PostgreSQL removes <c>postmaster.pid</c> as the last step of a shutdown.</summary>
    public Task WaitForServerExitAsync() =>
        Eventually.UntilAsync(() => Task.FromResult(!File.Exists(Path.Combine(Postgres.DataDirectory, "postmaster.pid"))), Bound,
            "the server removed postmaster.pid (it shut down)", TestContext.Current.CancellationToken);

    /// <summary>"Database cluster state" as <c>pg_controldata</c> reports it, e.g. <c>shut down</c>.</summary>
    public async Task<string> ClusterStateAsync()
    {
        var bin = MachineTools.RequirePostgresBin(Postgres.DataDirectory);
        var output = await ExternalCommand.RunAsync(Path.Combine(bin, "pg_controldata"), ["-D", Postgres.DataDirectory], asUser: PostgresCluster.OsUser);
        var line = output.Split('\n').Single(l => l.StartsWith("Database cluster state:", StringComparison.Ordinal));
        return line["Database cluster state:".Length..].Trim();
    }

    public string ConnectionString(string username, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = username,
        Password = password,
        Database = database,
        Pooling = false,
    }.ConnectionString;

    public string SuperuserPassword => File.ReadAllText(Postgres.PasswordFile).Trim();

    public string RolePassword(string role) => File.ReadAllText(Postgres.RolePasswordFile(role)).Trim();

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        _data.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_serverOutput)
        {
            _serverOutput.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
