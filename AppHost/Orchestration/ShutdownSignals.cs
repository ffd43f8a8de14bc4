using System.Runtime.InteropServices;
using Fabrix.AppHost.Output;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Ctrl-C, SIGTERM, SIGHUP and SIGQUIT ask for an orderly stop (children first); a signal that comes again later stops
/// without grace. The children run in their own sessions, so the terminal's Ctrl-C reaches only the AppHost.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    /// <summary>
    /// Signals this close together are one request: a signal sent to a process group reaches <c>dotnet run</c> too,
    /// which forwards SIGTERM to the AppHost, so one <c>kill -TERM -PGID</c> arrives twice.
    /// </summary>
    public static readonly TimeSpan SameRequestWindow = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _forced = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Reporter _reporter;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private long? _firstReceived;

    public ShutdownSignals(Reporter reporter, TimeProvider timeProvider, bool listen = true)
    {
        _reporter = reporter;
        _timeProvider = timeProvider;
        if (!listen)
        {
            return;
        }

        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    public CancellationToken Stopping => _stopping.Token;

    public CancellationToken Forced => _forced.Token;

    /// <summary>Handles one received signal: the first asks for a stop, one after <see cref="SameRequestWindow"/> forces it.</summary>
    public void Receive(string signal)
    {
        lock (_lock)
        {
            // Cancel on the thread pool: the stop runs in the tokens' continuations and must not hold up a later signal.
            if (_firstReceived is null)
            {
                _firstReceived = _timeProvider.GetTimestamp();
                _reporter.Info($"{signal} received: stopping (send it again to stop at once)");
                ThreadPool.QueueUserWorkItem(source => source.Cancel(), _stopping, preferLocal: false);
            }
            else if (_timeProvider.GetElapsedTime(_firstReceived.Value) >= SameRequestWindow && !_forced.IsCancellationRequested)
            {
                _reporter.Info($"{signal} received again: stopping at once");
                ThreadPool.QueueUserWorkItem(source => source.Cancel(), _forced, preferLocal: false);
            }
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopping.Dispose();
        _forced.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the runtime from terminating the process: the AppHost exits once its children are stopped.
        context.Cancel = true;
        Receive(context.Signal.ToString());
    }
}
