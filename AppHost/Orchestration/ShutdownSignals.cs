using System.Runtime.InteropServices;
using Fabrix.AppHost.Output;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Ctrl-C, SIGTERM, SIGHUP and SIGQUIT ask for an orderly stop (children first); a second signal stops without grace.
/// The children run in their own sessions, so the terminal's Ctrl-C reaches only the AppHost.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _forced = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Reporter _reporter;

    public ShutdownSignals(Reporter reporter)
    {
        _reporter = reporter;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    public CancellationToken Stopping => _stopping.Token;

    public CancellationToken Forced => _forced.Token;

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
        if (!_stopping.IsCancellationRequested)
        {
            _reporter.Info($"{context.Signal} received: stopping (send it again to stop at once)");
            _stopping.Cancel();
        }
        else if (!_forced.IsCancellationRequested)
        {
            _reporter.Info($"{context.Signal} received again: stopping at once");
            _forced.Cancel();
        }
    }
}
