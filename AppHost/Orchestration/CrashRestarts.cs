using Fabrix.AppHost.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Restarts a service or server that exits on its own (a crash, <c>kill -9</c>, the OOM killer) with back-off
/// (<see cref="RestartPolicy"/>), which Aspire does not do for executables and projects. It watches the resources'
/// states: an exit straight from Starting or Running is a crash; an exit after Stopping (the dashboard's Stop, or the
/// AppHost's own shutdown) is not. The restart goes through Aspire's own start command, so the dashboard shows it like a
/// manual one; the count is the resource's <see cref="RestartsProperty"/> property, and each restart is a warning in the
/// AppHost's log and a line in the resource's own log.
/// </summary>
internal sealed partial class CrashRestarts(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IHostApplicationLifetime lifetime,
    FabrixLayout layout,
    ILogger<CrashRestarts> logger) : BackgroundService
{
    public const string RestartsProperty = "fabrix.restarts";

    private static readonly HashSet<string> Exits = [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart];
    private static readonly HashSet<string> Live = [KnownResourceStates.Starting, KnownResourceStates.Running];

    private readonly Dictionary<string, Tracked> _tracked = new(StringComparer.Ordinal);

    public RestartPolicy Policy { get; init; } = RestartPolicy.Default;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var change in notifications.WatchAsync(stoppingToken))
        {
            if (!Platform.IsFabrixProcess(change.Resource) || change.Snapshot.State?.Text is not { } state)
            {
                continue;
            }

            var tracked = _tracked.TryGetValue(change.ResourceId, out var known) ? known : new Tracked();
            var previous = tracked.State;
            tracked.State = state;
            if (state == KnownResourceStates.Running && previous != KnownResourceStates.Running)
            {
                tracked.RunningSince = TimeProvider.GetUtcNow();
            }

            if (Exits.Contains(state) && previous is not null && Live.Contains(previous) && !lifetime.ApplicationStopping.IsCancellationRequested)
            {
                ScheduleRestart(change.Resource, change.ResourceId, change.Snapshot.ExitCode, tracked, stoppingToken);
            }

            _tracked[change.ResourceId] = tracked;
        }
    }

    private void ScheduleRestart(IResource resource, string resourceId, int? exitCode, Tracked tracked, CancellationToken stoppingToken)
    {
        var now = TimeProvider.GetUtcNow();
        if (tracked.RunningSince is { } since && now - since >= Policy.ResetAfter)
        {
            tracked.Consecutive = 0;
        }

        tracked.Consecutive++;
        tracked.Total++;
        tracked.RunningSince = null;
        var delay = Policy.DelayBefore(tracked.Consecutive);
        var code = exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
        var log = FabrixLayout.Display(Path.Combine(layout.LogsDirectory, resource.Name + ".log"));
        LogCrash(logger, resource.Name, code, tracked.Total, delay.TotalSeconds, log);
        LogCrashInResourceLog(resourceLogs.GetLogger(resource), resource.Name, code, tracked.Total, delay.TotalSeconds);
        var total = tracked.Total;
        _ = Task.Run(async () =>
        {
            try
            {
                await notifications.PublishUpdateAsync(resource, resourceId, s => s with
                {
                    Properties = [.. s.Properties.Where(p => p.Name != RestartsProperty), new ResourcePropertySnapshot(RestartsProperty, total)],
                });
                await Task.Delay(delay, TimeProvider, stoppingToken);
                if (lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    return;
                }

                var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
                if (!result.Success)
                {
                    LogRestartFailed(logger, resource.Name, result.Message ?? "no reason given");
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {Code}; restart {Restart} in {Delay} s; see {Log}")]
    private static partial void LogCrash(ILogger logger, string resource, string code, int restart, double delay, string log);

    [LoggerMessage(Level = LogLevel.Warning, Message = "===== {Resource} exited with code {Code}; restart {Restart} in {Delay} s =====")]
    private static partial void LogCrashInResourceLog(ILogger logger, string resource, string code, int restart, double delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting {Resource} failed: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason);

    private sealed class Tracked
    {
        public string? State { get; set; }

        public DateTimeOffset? RunningSince { get; set; }

        public int Consecutive { get; set; }

        public int Total { get; set; }
    }
}
