using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;

namespace Fabrix.AppHost.Tests.Orchestration;

/// <summary>Issue 7 section 6: a child that exits on its own is restarted with backoff.</summary>
[Collection(RealProcesses.Name)]
public sealed class RestartTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    public void DelayBefore_ConsecutiveRestart_DoublesUpToTheCap(int restart, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RestartPolicy.Default.DelayBefore(restart));
    }

    [Fact]
    public async Task Run_ChildKilledWithSigkill_IsRestartedAfterTheFirstDelayAndServesAgain()
    {
        await using var run = new TestRun();
        var builder = TestRun.Builder();
        var nats = builder.AddNats("nats", FreePort.Next());
        var orchestrator = new Orchestrator(builder.Resources, run.Context);
        var states = new List<ResourceState>();
        var runningAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        orchestrator.StateChanged += (_, state) =>
        {
            lock (states)
            {
                states.Add(state);
                if (state == ResourceState.Running && states.Contains(ResourceState.Restarting))
                {
                    runningAgain.TrySetResult();
                }
            }
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = orchestrator.RunAsync(stop.Token);
        await run.WaitForLineAsync("FABRIX READY ", running);
        var killed = PidOf(run, "nats");

        using (var process = Process.GetProcessById(killed))
        {
            process.Kill(); // SIGKILL, as `kill -9` would
        }

        await runningAgain.Task.WaitAsync(Bound, TestContext.Current.CancellationToken);
        var restarted = PidOf(run, "nats");
        var info = await ReadInfoAsync(nats.Endpoint.Port);
        await stop.CancelAsync();
        var exitCode = await running.WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.NotEqual(killed, restarted);
        Assert.StartsWith("INFO ", info, StringComparison.Ordinal);
        Assert.Equal(1, orchestrator.RestartsOf(nats));
        Assert.Equal(0, exitCode);
        var output = run.Output.ToString();
        Assert.Contains("nats exited with code 137; restart 1 in 1 s", output, StringComparison.Ordinal);
        Assert.Contains("Restarting nats", output, StringComparison.Ordinal);
        Assert.Contains("(restart 1)", output, StringComparison.Ordinal);
        // The orderly stop that followed is not a crash: nothing restarted it.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "exited with code"));
        Assert.Contains("===== nats exited with code 137; restart 1 in 1 s =====", File.ReadAllText(run.Context.LogPathFor("nats")), StringComparison.Ordinal);
    }

    private static int PidOf(TestRun run, string resource) =>
        int.Parse(File.ReadAllText(run.Context.PidFileFor(resource)).Split(' ')[0], CultureInfo.InvariantCulture);

    private static async Task<string> ReadInfoAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(client.GetStream(), System.Text.Encoding.ASCII);
        return await reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? string.Empty;
    }
}
