using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// Stops every PostgreSQL cluster of the application model with <c>pg_ctl stop -m fast</c> when the AppHost shuts down,
/// before Aspire's orchestrator stops any resource. DCP stops an executable with SIGTERM and kills its whole process
/// tree about 6 s later (microsoft/aspire#18237); the server is a descendant of the wrapper DCP runs, so under load it
/// was killed in the middle of its shutdown checkpoint and the cluster was left <c>in production</c> (it needs crash
/// recovery at the next start). pg_ctl waits for the checkpoint however long it takes (up to <see cref="Wait"/>).
/// <para>
/// The host stops hosted services in the reverse order of their registration, and Aspire registers its own (the
/// orchestrator's <c>OrchestratorHostService</c>, whose stop deletes every DCP resource) in
/// <c>DistributedApplication.CreateBuilder</c>; this one is registered later, by <c>AddFabrixPostgres</c>, so it stops
/// first. The exit that follows is not a crash: <c>CrashRestarts</c> ignores exits once the application is stopping.
/// </para>
/// </summary>
internal sealed partial class PostgresShutdown(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext,
    TimeProvider timeProvider, ILogger<PostgresShutdown> logger) : IHostedService
{
    /// <summary>pg_ctl's own wait (<c>-t</c>); below the host's default shutdown timeout (30 s), so DCP still gets to stop the rest.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(25);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        executionContext.IsRunMode
            ? Task.WhenAll(model.Resources.OfType<FabrixPostgresResource>().Select(postgres => StopClusterAsync(postgres, cancellationToken)))
            : Task.CompletedTask;

    private async Task StopClusterAsync(FabrixPostgresResource postgres, CancellationToken cancellationToken)
    {
        LogStopping(logger, postgres.Name, postgres.Display);
        var started = timeProvider.GetTimestamp();
        try
        {
            switch (await PostgresCluster.StopAsync(postgres, Wait, cancellationToken))
            {
                case ClusterStop.Stopped:
                    var elapsed = timeProvider.GetElapsedTime(started);
                    LogStopped(logger, postgres.Name, elapsed.TotalSeconds);
                    break;
                case ClusterStop.NotRunning:
                    LogNotRunning(logger, postgres.Name);
                    break;
            }
        }
        catch (Exception e) when (e is AppHostException or OperationCanceledException)
        {
            // The AppHost goes on stopping; DCP's SIGTERM (turned into SIGINT by the wrapper) is what is left.
            LogFailed(logger, postgres.Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping {Resource} (fast shutdown of {Cluster}) before the other resources")]
    private static partial void LogStopping(ILogger logger, string resource, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} shut down cleanly in {Seconds:0.0} s")]
    private static partial void LogStopped(ILogger logger, string resource, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} was not running; nothing to stop")]
    private static partial void LogNotRunning(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping {Resource} with pg_ctl failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string resource, string reason);
}
