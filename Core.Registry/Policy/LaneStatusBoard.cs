using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Audit.Ingest;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;
using Fabrix.Core.Registry.ServiceIdentity;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// Lane status (issue 9 section 6): each lane instance reports what it holds every few seconds (core service identity
/// only); the latest report per (service, instance) is kept in <c>lane_status</c>, so every replica answers the same.
/// Reports older than <see cref="PolicyOptions.LaneStatusRetention"/> are deleted when the next report arrives (an
/// instance that went away leaves the list). Administrators list them with the registry's revision and the backlog of
/// the registry's decision-ingest consumer. A successful report is telemetry and is not audited; refusals are.
/// </summary>
internal sealed partial class LaneStatusBoard(
    ServiceIdentityAuthenticator identity,
    AdministratorAccess access,
    RequestArguments arguments,
    RegistryDatabase database,
    INatsConnection nats,
    IOptions<DecisionIngestOptions> ingest,
    IOptions<PolicyOptions> options,
    TimeProvider timeProvider,
    ILogger<LaneStatusBoard> logger)
{
    /// <summary>Longest instance id a lane may report.</summary>
    public const int MaxInstanceIdLength = 128;

    private readonly NatsJSContext _js = new(nats);

    public async Task ReportAsync(LaneStatusReport report, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.ReportLaneStatus;
        var caller = await identity.AuthenticateAsync(httpContext, Action, "lane_status", cancellationToken);
        await arguments.RequireAsync(caller, Action, "lane_status",
        [
            ("instance_id", report.InstanceId.Length == 0 ? "An instance id is required." : RequestArguments.TextProblem(report.InstanceId, MaxInstanceIdLength)),
            ("revision", report.Revision < 0 ? "Must not be negative." : null),
            ("staleness_seconds", report.HasStalenessSeconds && !(double.IsFinite(report.StalenessSeconds) && report.StalenessSeconds >= 0) ? "Must be a finite number of seconds, not negative." : null),
            ("audit_buffer_depth", report.HasAuditBufferDepth && report.AuditBufferDepth < 0 ? "Must not be negative." : null),
            ("audit_dropped", report.HasAuditDropped && report.AuditDropped < 0 ? "Must not be negative." : null),
        ], cancellationToken);

        var service = caller.Actor["service:".Length..];
        await using var transaction = await database.BeginAsync(cancellationToken);
        await using (var command = transaction.CreateCommand("""
            insert into lane_status (service, instance_id, revision, usable, staleness_seconds, audit_buffer_depth, audit_dropped, reported_at)
            values (@service, @instance, @revision, @usable, @staleness, @depth, @dropped, @now)
            on conflict (service, instance_id) do update set revision = excluded.revision, usable = excluded.usable,
                staleness_seconds = excluded.staleness_seconds, audit_buffer_depth = excluded.audit_buffer_depth,
                audit_dropped = excluded.audit_dropped, reported_at = excluded.reported_at
            """))
        {
            command.Parameters.AddWithValue("service", service);
            command.Parameters.AddWithValue("instance", report.InstanceId);
            command.Parameters.AddWithValue("revision", report.Revision);
            command.Parameters.AddWithValue("usable", report.Usable);
            command.Parameters.AddWithValue("staleness", report.HasStalenessSeconds ? report.StalenessSeconds : DBNull.Value);
            command.Parameters.AddWithValue("depth", report.HasAuditBufferDepth ? report.AuditBufferDepth : DBNull.Value);
            command.Parameters.AddWithValue("dropped", report.HasAuditDropped ? report.AuditDropped : DBNull.Value);
            command.Parameters.AddWithValue("now", transaction.Now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var prune = transaction.CreateCommand("delete from lane_status where reported_at < @oldest"))
        {
            prune.Parameters.AddWithValue("oldest", transaction.Now - options.Value.LaneStatusRetention);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<ListLaneStatusResponse> ListAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(httpContext, AdminPermission.Read, AuditActions.ListLaneStatus, "lane_status", cancellationToken);
        var response = new ListLaneStatusResponse();
        var now = timeProvider.GetUtcNow();
        await using (var transaction = await database.BeginAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken))
        {
            response.Revision = (await PolicyStore.ReadRevisionAsync(transaction, cancellationToken)).Revision;
            response.Lanes.Add(await ReadReportsAsync(transaction, now, cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }

        try
        {
            var settings = ingest.Value;
            var consumer = await _js.GetConsumerAsync(settings.Stream, settings.Consumer, cancellationToken);
            response.AuditIngestBacklog = (long)consumer.Info.NumPending;
            response.AuditIngestUnacknowledged = consumer.Info.NumAckPending;
        }
        catch (Exception exception) when (exception is NatsException or TimeoutException)
        {
            // The list still answers without the backlog (unset), which the console shows as unknown.
            LogBacklogUnavailable(logger, exception);
        }

        return response;
    }

    private static async Task<List<LaneStatus>> ReadReportsAsync(RegistryTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lanes = new List<LaneStatus>();
        await using var command = transaction.CreateCommand("""
            select service, instance_id, revision, usable, staleness_seconds, audit_buffer_depth, audit_dropped, reported_at
            from lane_status order by service, instance_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var reportedAt = reader.GetFieldValue<DateTimeOffset>(7);
            var lane = new LaneStatus
            {
                Service = reader.GetString(0),
                InstanceId = reader.GetString(1),
                Revision = reader.GetInt64(2),
                Usable = reader.GetBoolean(3),
                ReportedAt = Timestamp.FromDateTimeOffset(reportedAt),
                AgeSeconds = Math.Max(0, (now - reportedAt).TotalSeconds),
            };
            if (!reader.IsDBNull(4))
            {
                lane.StalenessSeconds = reader.GetDouble(4);
            }

            if (!reader.IsDBNull(5))
            {
                lane.AuditBufferDepth = reader.GetInt64(5);
            }

            if (!reader.IsDBNull(6))
            {
                lane.AuditDropped = reader.GetInt64(6);
            }

            lanes.Add(lane);
        }

        return lanes;
    }

    [LoggerMessage(EventId = 1260, Level = LogLevel.Warning, Message = "Could not read the decision-ingest consumer's backlog from JetStream")]
    private static partial void LogBacklogUnavailable(ILogger logger, Exception exception);
}
