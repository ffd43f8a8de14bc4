using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Model;

/// <summary>
/// Something the AppHost runs: a name, what it depends on, the ports it listens on, and how to start it, know it is
/// ready, and stop it. The orchestrator calls <see cref="StartAsync"/> only once every dependency is ready, and
/// <see cref="StopAsync"/> in reverse dependency order.
/// </summary>
internal interface IResource
{
    /// <summary>Unique name; also the log file name and, for services, the name in <c>services__NAME__...</c>.</summary>
    string Name { get; }

    /// <summary>Resources that must be ready before this one starts (waits and references).</summary>
    IReadOnlyList<IResource> Dependencies { get; }

    IReadOnlyList<Endpoint> Endpoints { get; }

    /// <summary>The address clients use (the table's URL column and the ready line's <c>NAME=</c> entry).</summary>
    string? Url { get; }

    /// <summary>Machine binaries the resource needs; checked for every resource before anything starts.</summary>
    IReadOnlyList<Tool> RequiredTools(RunContext context);

    /// <summary>Checks and files that need no running dependency (run for every resource before anything starts).</summary>
    Task PrepareAsync(RunContext context, CancellationToken cancellationToken);

    /// <summary>Stops what a killed earlier run of the AppHost left running for this resource.</summary>
    Task StopLeftoverAsync(RunContext context, CancellationToken cancellationToken);

    Task StartAsync(RunContext context, CancellationToken cancellationToken);

    /// <summary>Returns when the resource serves requests; throws <see cref="AppHostException"/> when it cannot.</summary>
    Task WaitUntilReadyAsync(RunContext context, CancellationToken cancellationToken);

    Task StopAsync(RunContext context);

    /// <summary>Completes with the exit code if the resource's process exits; null before it starts.</summary>
    Task<int>? Exited { get; }
}
