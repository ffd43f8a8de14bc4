using System.Globalization;
using Fabrix.AppHost.Processes;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Processes;

[Collection(RealProcesses.Name)]
public sealed class ChildProcessTests
{
    [Fact]
    public async Task Start_Program_AppendsItsOutputToTheLogFile()
    {
        await using var run = new TestRun();
        var log = Path.Combine(run.DataRoot, "logs", "echo.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "previous run\n");

        using var child = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", "echo out; echo err >&2; exit 7"]), log, run.Context.Launch);
        var exitCode = await child.Exited.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(7, exitCode);
        Assert.Equal(["previous run", "out", "err"], File.ReadAllLines(log));
    }

    [Fact]
    public async Task Start_Program_LeadsItsOwnSessionAndProcessGroup()
    {
        await using var run = new TestRun();
        var log = Path.Combine(run.DataRoot, "group.log");

        using var child = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", "cat /proc/$$/stat"]), log, run.Context.Launch);
        await child.Exited.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // /proc/PID/stat: "pid (comm) state ppid pgrp session ..."
        var stat = File.ReadAllText(log);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var (processId, group, session) = (int.Parse(stat.Split(' ')[0], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
        Assert.Equal([child.Id, child.Id, child.Id], new[] { processId, group, session });
    }

    [Fact]
    public async Task Stop_ProgramWithChildren_StopsTheWholeGroup()
    {
        await using var run = new TestRun();
        var pids = Path.Combine(run.DataRoot, "pids");
        var script = $"sleep 300 & echo $! > {pids}.tmp; sleep 300 & echo $! >> {pids}.tmp; mv {pids}.tmp {pids}; wait";
        using var child = ChildProcess.Start(new ChildProcessSpec("/bin/sh", ["-c", script]), Path.Combine(run.DataRoot, "tree.log"), run.Context.Launch);
        while (!File.Exists(pids))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var grandchildren = File.ReadAllLines(pids).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        Assert.All(grandchildren, pid => Assert.True(Posix.Exists(pid)));

        await child.StopAsync(TimeSpan.FromSeconds(5), TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.True(child.HasExited);
        await WaitUntilGoneAsync(grandchildren);
    }

    [Fact]
    public async Task Stop_ProgramIgnoringSigterm_IsKilledAfterTheGracePeriod()
    {
        await using var run = new TestRun();
        var ready = Path.Combine(run.DataRoot, "ready");
        using var child = ChildProcess.Start(
            new ChildProcessSpec("/bin/sh", ["-c", $"trap '' TERM; touch {ready}; while :; do sleep 1; done"]),
            Path.Combine(run.DataRoot, "stubborn.log"),
            run.Context.Launch);
        while (!File.Exists(ready))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var started = TimeProvider.System.GetTimestamp();
        var exitCode = await child.StopAsync(TimeSpan.FromMilliseconds(500), TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(450));
        Assert.Equal(137, exitCode); // 128 + SIGKILL
    }

    private static async Task WaitUntilGoneAsync(IReadOnlyList<int> pids)
    {
        // Killed grandchildren are reaped by init; give it a moment.
        for (var i = 0; i < 100 && pids.Any(Posix.Exists); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.All(pids, pid => Assert.False(Posix.Exists(pid), $"process {pid} survived"));
    }
}
