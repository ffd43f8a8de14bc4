namespace Fabrix.AppHost.Tests.Support;

/// <summary>
/// Tests that start real servers run one at a time: the machine has two cores shared with other builds, and a wait
/// for readiness should measure the server, not the contention.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealProcesses
{
    public const string Name = "Real processes";
}
