namespace Fabrix.AppHost.Model;

/// <summary>What the resources table shows for a resource.</summary>
internal enum ResourceState
{
    Pending,
    Starting,
    Running,
    Failed,

    /// <summary>Exited on its own; waiting out the restart delay (<c>Orchestration/RestartPolicy</c>).</summary>
    Restarting,
    Stopping,
    Stopped,
}
