using System.Diagnostics;

namespace Fabrix.AppHost.Processes;

/// <summary>
/// A long-running child (a server or a service). It runs in its own session and process group (<c>setsid</c>),
/// so a Ctrl-C in the terminal reaches only the AppHost, which then stops the children in order; and a stop
/// signals the whole group, so a child's own children go too. Its standard output and error are appended
/// straight to its log file (no pipe through the AppHost: a child that outlives the AppHost still logs, and a
/// grandchild that keeps the descriptor open cannot hang anyone); standard input is <c>/dev/null</c>.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    // $1 is the log file; the rest is "setsid [runuser -u USER --] program args...". exec keeps the PID, and
    // setsid does not fork because sh is not a group leader, so Id is the program's PID and its group id.
    private const string LaunchScript = "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null";

    private readonly Process _process;

    private ChildProcess(Process process)
    {
        _process = process;
        Id = process.Id;
        Exited = WaitForExitCodeAsync(process);
    }

    /// <summary>PID of the program, which is also its process group id.</summary>
    public int Id { get; }

    /// <summary>Completes with the exit code when the program exits.</summary>
    public Task<int> Exited { get; }

    public bool HasExited => Exited.IsCompleted;

    public static ChildProcess Start(ChildProcessSpec spec, string logPath, ProcessLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(launch);
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(LaunchScript);
        info.ArgumentList.Add("fabrix-child");
        info.ArgumentList.Add(logPath);
        info.ArgumentList.Add(launch.SetSid);
        foreach (var argument in launch.Prefix(spec.RunAsUser))
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = Process.Start(info) ?? throw new AppHostException($"could not start {spec.FileName}");
        return new ChildProcess(process);
    }

    /// <summary>
    /// SIGTERM to the group, then SIGKILL to whatever is left after <paramref name="grace"/>. Returns the exit code.
    /// </summary>
    /// <param name="grace">How long the program may take to exit after SIGTERM.</param>
    /// <param name="timeProvider">Clock for the grace period.</param>
    /// <param name="cutShort">Ends the grace period early (a second Ctrl-C).</param>
    public async Task<int> StopAsync(TimeSpan grace, TimeProvider timeProvider, CancellationToken cutShort = default)
    {
        if (!HasExited)
        {
            Posix.SignalGroup(Id, Posix.SigTerm);
            await WaitAsync(grace, timeProvider, cutShort);
        }

        // Also sweeps stragglers of the group whose leader already exited.
        Posix.SignalGroup(Id, Posix.SigKill);
        return await Exited;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the program to exit by itself; true when it did.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cutShort = default)
    {
        if (HasExited)
        {
            return true;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cutShort);
        try
        {
            await Exited.WaitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return HasExited;
        }
    }

    public void Dispose() => _process.Dispose();

    private static async Task<int> WaitForExitCodeAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
