namespace Fabrix.AppHost.Tests.Support;

/// <summary>
/// One <see cref="ClusterUnderTest"/> prepared, started and provisioned for a whole test class that only reads it (a
/// cluster's initdb costs seconds on a loaded machine); stopped with SIGTERM, as DCP stops it, at the end.
/// </summary>
public sealed class RunningCluster : IAsyncLifetime
{
    internal ClusterUnderTest Cluster { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Cluster.StartHealthyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Cluster.IsRunning)
        {
            await Cluster.StopWithSigtermAsync();
        }

        await Cluster.DisposeAsync();
    }
}
