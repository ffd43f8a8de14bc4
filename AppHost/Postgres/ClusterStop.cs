namespace Fabrix.AppHost.Postgres;

/// <summary>What <see cref="PostgresCluster.StopAsync"/> found.</summary>
internal enum ClusterStop
{
    /// <summary>The server was running and has shut down (fast), its shutdown checkpoint written.</summary>
    Stopped,

    /// <summary>No server was running on the cluster (never started, already stopped, or not created yet).</summary>
    NotRunning,
}
