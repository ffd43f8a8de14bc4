namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Decides which registry instance runs the health monitor: exactly one at a time, so every plugin is probed once per
/// interval however many instances run (ARCHITECTURE.md "At scale": services scale horizontally). The others stand
/// by and take over when the leader goes away.
/// </summary>
internal interface IHealthLeadership
{
    /// <summary>Completes once this instance leads; throws <see cref="OperationCanceledException"/> only on cancellation.</summary>
    Task<IHealthLease> AcquireAsync(CancellationToken cancellationToken);
}

/// <summary>Leadership held by this instance until <see cref="Lost"/> fires or the lease is disposed (which gives it up).</summary>
internal interface IHealthLease : IAsyncDisposable
{
    /// <summary>Cancelled when leadership is lost (for example the connection that holds it broke).</summary>
    CancellationToken Lost { get; }
}

/// <summary>For a host that is the only monitor by construction (benchmarks, unit tests): leads at once, forever.</summary>
internal sealed class SingleInstanceLeadership : IHealthLeadership
{
    public Task<IHealthLease> AcquireAsync(CancellationToken cancellationToken) => Task.FromResult<IHealthLease>(new Lease());

    private sealed class Lease : IHealthLease
    {
        public CancellationToken Lost => CancellationToken.None;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
