namespace Fabrix.AppHost.Model;

/// <summary>What the resources table shows for a resource.</summary>
internal enum ResourceState
{
    Pending,
    Starting,
    Running,
    Failed,
    Stopping,
    Stopped,
}
