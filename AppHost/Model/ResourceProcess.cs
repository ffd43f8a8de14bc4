using System.Globalization;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Model;

/// <summary>
/// The child process behind a resource, with its log file and PID file: what every resource kind shares.
/// </summary>
internal sealed class ResourceProcess
{
    private const int TailLines = 12;
    private readonly string _resourceName;
    private ChildProcess? _child;
    private long _logOffset;

    public ResourceProcess(string resourceName)
    {
        _resourceName = resourceName;
    }

    public Task<int>? Exited => _child?.Exited;

    public bool HasExited => _child?.HasExited ?? false;

    public bool IsRunning => _child is not null && !_child.HasExited;

    public void Start(RunContext context, ChildProcessSpec spec)
    {
        var logPath = context.LogPathFor(_resourceName);
        _logOffset = LogFile.BeginRun(logPath, $"{_resourceName}: {spec.Display}", context.TimeProvider);
        _child = ChildProcess.Start(spec, logPath, context.Launch);
        PidFile.Write(context.PidFileFor(_resourceName), _child.Id);
    }

    /// <summary>Marks where this run's output starts when something other than the child writes first (initdb).</summary>
    public void BeginLog(RunContext context, string title) =>
        _logOffset = LogFile.BeginRun(context.LogPathFor(_resourceName), title, context.TimeProvider);

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit by itself.</summary>
    public Task<bool> WaitForExitAsync(RunContext context, TimeSpan timeout) =>
        _child is null ? Task.FromResult(true) : _child.WaitAsync(timeout, context.TimeProvider, context.ForceStop);

    /// <summary>SIGTERM to the process group, SIGKILL after the grace period; removes the PID file.</summary>
    public async Task StopAsync(RunContext context)
    {
        if (_child is null)
        {
            return;
        }

        await _child.StopAsync(context.EffectiveStopGrace, context.TimeProvider, context.ForceStop);
        PidFile.Delete(context.PidFileFor(_resourceName));
        _child.Dispose();
    }

    /// <summary>Stops the process recorded by a killed earlier run, if it still runs.</summary>
    public async Task StopLeftoverAsync(RunContext context)
    {
        var pidFile = context.PidFileFor(_resourceName);
        if (PidFile.ReadLiveProcess(pidFile) is { } processId)
        {
            context.Reporter.Info(string.Create(CultureInfo.InvariantCulture, $"  Stopping {_resourceName} (pid {processId}) left running by an earlier run"));
            Posix.SignalGroup(processId, Posix.SigTerm);
            var waited = context.TimeProvider.GetTimestamp();
            while (Posix.Exists(processId) && context.TimeProvider.GetElapsedTime(waited) < context.StopGrace)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), context.TimeProvider);
            }

            Posix.SignalGroup(processId, Posix.SigKill);
        }

        PidFile.Delete(pidFile);
    }

    /// <summary>This run's last lines of the resource's log.</summary>
    public IReadOnlyList<string> LogTail(RunContext context) =>
        LogFile.Tail(context.LogPathFor(_resourceName), _logOffset, TailLines);

    public AppHostException ExitedBeforeReady(RunContext context)
    {
        var code = _child is { HasExited: true } ? _child.Exited.Result : -1;
        var log = RunContext.Display(context.LogPathFor(_resourceName));
        return new AppHostException(string.Create(CultureInfo.InvariantCulture, $"{_resourceName} exited with code {code} before it was ready; see {log}"))
        {
            Details = LogTail(context),
        };
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until it reports ready; fails when the process exits first or the startup timeout
    /// passes, naming the log file either way.
    /// </summary>
    public async Task WaitUntilReadyAsync(RunContext context, Func<CancellationToken, Task<bool>> probe, CancellationToken cancellationToken)
    {
        var started = context.TimeProvider.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                throw ExitedBeforeReady(context);
            }

            if (await probe(cancellationToken))
            {
                return;
            }

            if (HasExited)
            {
                throw ExitedBeforeReady(context);
            }

            if (context.TimeProvider.GetElapsedTime(started) > context.StartupTimeout)
            {
                var log = RunContext.Display(context.LogPathFor(_resourceName));
                throw new AppHostException(string.Create(CultureInfo.InvariantCulture, $"{_resourceName} did not become ready within {context.StartupTimeout.TotalSeconds:0} s; see {log}"))
                {
                    Details = LogTail(context),
                };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), context.TimeProvider, cancellationToken);
        }
    }
}
