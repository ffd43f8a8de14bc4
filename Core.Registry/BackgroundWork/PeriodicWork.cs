namespace Fabrix.Core.Registry.BackgroundWork;

/// <summary>
/// Work the registry repeats on a schedule (issue 9 section 7: one base for key rotation, audit checkpoints and health
/// history retention). It runs once at start, then every <see cref="Period"/> on the injected <see cref="TimeProvider"/>.
/// A failed iteration is logged and recorded in <see cref="BackgroundWorkHealth"/> under <see cref="WorkName"/>, and the
/// next one runs on schedule; a successful one clears the failure. Stopping cancels the iteration in progress, which is
/// neither logged nor recorded as a failure.
/// </summary>
internal abstract partial class PeriodicWork(string workName, TimeProvider timeProvider, BackgroundWorkHealth health, ILogger logger) : BackgroundService
{
    /// <summary>The name the work's health is reported under (<c>background-work</c> check data).</summary>
    public string WorkName => workName;

    /// <summary>Time between the starts of two iterations.</summary>
    protected abstract TimeSpan Period { get; }

    /// <summary>The clock the schedule runs on, for the work's own readings.</summary>
    protected TimeProvider Clock => timeProvider;

    /// <summary>The work's logger.</summary>
    protected ILogger Logger => logger;

    /// <summary>One iteration; an exception fails it (logged, recorded) without stopping the schedule.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Armed before the first iteration, so iterations start every Period from start-up whatever one takes; an
        // iteration longer than the period is followed by one more at once (PeriodicTimer keeps one pending tick), never a burst.
        using var timer = new PeriodicTimer(Period, timeProvider);
        try
        {
            do
            {
                await RunSafelyAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunOnceAsync(stoppingToken);
            health.Succeeded(WorkName);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogIterationFailed(logger, WorkName, Period, exception);
            health.Failed(WorkName, exception);
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Error, Message = "Background work {Work} failed; it runs again within {Period}")]
    private static partial void LogIterationFailed(ILogger logger, string work, TimeSpan period, Exception exception);
}
