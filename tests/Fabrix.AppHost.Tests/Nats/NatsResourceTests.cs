using System.Net.Sockets;
using System.Text;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;
using NATS.Client.Core;

namespace Fabrix.AppHost.Tests.Nats;

/// <summary>The AppHost's NATS resource against the machine's real nats-server.</summary>
[Collection(RealProcesses.Name)]
public sealed class NatsResourceTests
{
    [Fact]
    public async Task Start_NatsServer_IsReadyWithJetStreamStoredUnderTheDataRoot()
    {
        await using var run = new TestRun();
        var nats = TestRun.Builder().AddNats("nats", FreePort.Next());

        await run.StartAsync(nats);

        var info = await ReadInfoAsync(nats.Endpoint.Port);
        Assert.Contains("\"jetstream\":true", info, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(run.DataRoot, "nats", "jetstream")));
        Assert.Contains("Server is ready", File.ReadAllText(run.Context.LogPathFor("nats")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_NatsServer_ExitsAndFreesThePort()
    {
        await using var run = new TestRun();
        var nats = TestRun.Builder().AddNats("nats", FreePort.Next());
        await run.StartAsync(nats);

        await run.StopAsync(nats);

        Assert.True(nats.Exited!.IsCompleted);
        Assert.True(PortCheck.IsFree(nats.Endpoint.Port));
        Assert.False(File.Exists(run.Context.PidFileFor("nats")));
    }

    [Fact]
    public async Task StopLeftover_ServerOfAKilledRun_IsStopped()
    {
        await using var run = new TestRun();
        var port = FreePort.Next();
        var abandoned = TestRun.Builder().AddNats("nats", port);
        await run.StartAsync(abandoned);

        var next = TestRun.Builder().AddNats("nats", port);
        await next.StopLeftoverAsync(run.Context, TestContext.Current.CancellationToken);

        await abandoned.Exited!.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.True(PortCheck.IsFree(port));
        Assert.Contains("left running by an earlier run", run.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopLeftover_PidFileOfAnUnrelatedProcess_LeavesItAlone()
    {
        await using var run = new TestRun();
        Directory.CreateDirectory(run.Context.RunDirectory);
        // Our own PID with a start time that cannot match: what a PID reused by another program looks like.
        File.WriteAllText(run.Context.PidFileFor("nats"), $"{Environment.ProcessId} 1\n");

        await TestRun.Builder().AddNats("nats", FreePort.Next()).StopLeftoverAsync(run.Context, TestContext.Current.CancellationToken);

        Assert.False(File.Exists(run.Context.PidFileFor("nats")));
        Assert.DoesNotContain("left running", run.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ClientWithoutCredentials_IsRefused()
    {
        await using var run = new TestRun();
        var nats = TestRun.Builder().AddNats("nats", FreePort.Next()).WithUser("registry");
        await run.StartAsync(nats);
        await using var anonymous = new NatsConnection(NatsOpts.Default with { Url = nats.Url, MaxReconnectRetry = 0 });

        var error = await Assert.ThrowsAnyAsync<NatsException>(async () => await anonymous.ConnectAsync());

        Assert.Contains("Authorization Violation", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"auth_required\":true", await ReadInfoAsync(nats.Endpoint.Port), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CoreServiceUser_ConnectsAndUsesJetStream()
    {
        await using var run = new TestRun();
        var nats = TestRun.Builder().AddNats("nats", FreePort.Next()).WithUser("registry");
        await run.StartAsync(nats);
        var connectionString = new Uri(nats.ConnectionStringFor("registry"));
        var credentials = connectionString.UserInfo.Split(':');
        await using var registry = new NatsConnection(NatsOpts.Default with
        {
            Url = nats.Url,
            AuthOpts = NatsAuthOpts.Default with { Username = credentials[0], Password = credentials[1] },
        });

        var stream = await new NATS.Client.JetStream.NatsJSContext(registry).CreateStreamAsync(
            new NATS.Client.JetStream.Models.StreamConfig("apphost-auth-test", ["apphost.auth.test"]), TestContext.Current.CancellationToken);

        Assert.Equal("apphost-auth-test", stream.Info.Config.Name);
        Assert.Equal("registry", credentials[0]);
        Assert.Equal(File.ReadAllText(nats.PasswordFile(run.Context, "registry")), credentials[1]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(nats.PasswordFile(run.Context, "registry")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(nats.ConfigFile(run.Context)));
        Assert.DoesNotContain(credentials[1], File.ReadAllText(run.Context.LogPathFor("nats")), StringComparison.Ordinal);
    }

    private static async Task<string> ReadInfoAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        return await reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? string.Empty;
    }
}
