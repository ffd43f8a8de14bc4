using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Lanes.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Policy;

/// <summary>
/// Tells the registry what this lane instance holds (issue 9 section 6: the console's dashboard shows each lane's
/// revision, staleness and audit backlog), every <see cref="PolicySnapshotOptions.StatusInterval"/>, starting at once:
/// the snapshot's revision, whether it is usable, its staleness, and, when the lane writes decision audit
/// (<see cref="DecisionAuditWriter"/>, optional), the buffer depth and the records dropped. A failed report is logged
/// and the next one is sent on time; reporting never affects what the lane decides.
/// </summary>
internal sealed partial class LaneStatusReporter(
    PolicyService.PolicyServiceClient client,
    PolicySnapshotClient snapshots,
    IOptions<PolicySnapshotOptions> options,
    TimeProvider timeProvider,
    ILogger<LaneStatusReporter> logger,
    DecisionAuditWriter? audit = null) : BackgroundService
{
    private readonly string _instanceId = options.Value.InstanceId.Length > 0 ? options.Value.InstanceId : $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Reports sent and acknowledged (tests wait on it).</summary>
    internal long Sent => Interlocked.Read(ref _sent);

    private long _sent;

    /// <summary>The report as of now.</summary>
    internal LaneStatusReport BuildReport()
    {
        var view = snapshots.Current;
        var report = new LaneStatusReport { InstanceId = _instanceId, Revision = view.Snapshot?.Revision ?? 0, Usable = view.IsUsable };
        if (view.Staleness is { } staleness)
        {
            report.StalenessSeconds = staleness.TotalSeconds;
        }

        if (audit is not null)
        {
            report.AuditBufferDepth = audit.Buffered;
            report.AuditDropped = audit.Dropped;
        }

        return report;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StatusInterval, timeProvider);
        do
        {
            try
            {
                await client.ReportLaneStatusAsync(BuildReport(), cancellationToken: stoppingToken);
                Interlocked.Increment(ref _sent);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                LogReportFailed(logger, exception);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 9110, Level = LogLevel.Warning, Message = "Reporting this lane's status to the registry failed; the next report follows at the interval")]
    private static partial void LogReportFailed(ILogger logger, Exception exception);
}
