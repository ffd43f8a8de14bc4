using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// Operator lane traffic and refusals for the console and the CLI (issue 10 section 6), read from the decision audit:
/// the gateway audits every decision (lane <c>operator</c>, actor <c>plugin:&lt;caller&gt;</c>, outcome succeeded or
/// refused, reason the refusal code, <c>details.duration_us</c>, and <c>details.attributes</c> target_plugin, method,
/// endpoint, path, status). Rows written before the attributes existed name the target in the first word of
/// <c>target</c> (<c>id METHOD /path status</c>). The numbers are therefore exact, as of the decisions the registry has
/// ingested (seconds behind the calls). Both reads are bounded: a window of at most a day, through
/// <c>audit_log_by_at</c> (the <c>at</c> range) filtered on the lane, and at most <see cref="MaxRows"/> rows.
/// Any administrator role may read; refusals of the read are audited.
/// </summary>
internal sealed class OperatorTraffic(AdministratorAccess access, RequestArguments arguments, RegistryDatabase database)
{
    public const string TrafficAction = "policy.traffic.read";
    public const string RefusalsAction = "policy.refusals.list";

    public const int DefaultWindowSeconds = 300;
    public const int MaxWindowSeconds = 86_400;
    public const int DefaultRefusals = 50;

    /// <summary>The most pairs or refusals one answer carries.</summary>
    public const int MaxRows = 500;

    // The target plugin: the gateway's attribute, else the first word of the audit target. The status: the attribute,
    // else the audit target's last word when it is three digits. Every value is a parameter or a column.
    private const string Decisions = """
        select substr(actor, 8) as caller,
               coalesce(nullif(details -> 'attributes' ->> 'target_plugin', ''), split_part(target, ' ', 1)) as target_plugin,
               coalesce(details -> 'attributes' ->> 'method',
                        case when target ~ '^\S+ [A-Z]+ /\S* [0-9]{3}$' then split_part(target, ' ', 2) end, '') as method,
               coalesce(details -> 'attributes' ->> 'path',
                        case when target ~ '^\S+ [A-Z]+ /\S* [0-9]{3}$' then split_part(target, ' ', 3) end, '') as path,
               case when s.status ~ '^[0-9]{1,3}$' then s.status::int end as status,
               (details ->> 'duration_us')::double precision as duration_us,
               outcome, reason, at, correlation_id, id
        from audit_log
        cross join lateral (select coalesce(details -> 'attributes' ->> 'status', substring(target from ' ([0-9]{3})$')) as status) s
        where lane = 'operator' and at >= @from and at < @to
        """;

    public async Task<GetOperatorTrafficResponse> GetTrafficAsync(GetOperatorTrafficRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, TrafficAction, "operator", cancellationToken);
        await arguments.RequireAsync(caller, TrafficAction, "operator",
        [
            ("window_seconds", request.WindowSeconds is < 0 or > MaxWindowSeconds
                ? $"Must be between 1 and {MaxWindowSeconds} seconds, or unset for {DefaultWindowSeconds} (was {request.WindowSeconds})."
                : null),
        ], cancellationToken);

        await using var transaction = await database.BeginAsync(cancellationToken);
        var to = transaction.Now;
        var from = to.AddSeconds(-(request.WindowSeconds == 0 ? DefaultWindowSeconds : request.WindowSeconds));
        var response = new GetOperatorTrafficResponse { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to) };
        await using (var command = transaction.CreateCommand($"""
            with decisions as ({Decisions})
            select caller, target_plugin, count(*),
                   count(*) filter (where outcome = 'refused' or status >= 500),
                   percentile_cont(0.5) within group (order by duration_us) / 1000.0,
                   percentile_cont(0.99) within group (order by duration_us) / 1000.0,
                   max(at)
            from decisions
            group by caller, target_plugin
            order by caller, target_plugin
            limit @limit
            """))
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            command.Parameters.AddWithValue("limit", MaxRows + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (response.Pairs.Count == MaxRows)
                {
                    response.Truncated = true;
                    break;
                }

                var pair = new OperatorTrafficPair
                {
                    Caller = reader.GetString(0),
                    Target = reader.GetString(1),
                    Calls = reader.GetInt64(2),
                    Errors = reader.GetInt64(3),
                    LastCallAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(6)),
                };
                if (!reader.IsDBNull(4))
                {
                    pair.P50Ms = reader.GetDouble(4);
                    pair.P99Ms = reader.GetDouble(5);
                }

                response.Pairs.Add(pair);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public async Task<ListOperatorRefusalsResponse> ListRefusalsAsync(ListOperatorRefusalsRequest request, HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, RefusalsAction, "operator", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var now = transaction.Now;
        var earliest = now.AddSeconds(-MaxWindowSeconds);
        await arguments.RequireAsync(caller, RefusalsAction, "operator",
        [
            ("limit", request.Limit is < 0 or > MaxRows ? $"Must be between 1 and {MaxRows}, or unset for {DefaultRefusals} (was {request.Limit})." : null),
            ("since", request.Since is { } since && (!IsValid(since) || since.ToDateTimeOffset() < earliest)
                ? $"Must be a time within the last {MaxWindowSeconds} seconds, or unset for all of them."
                : null),
        ], cancellationToken);

        var response = new ListOperatorRefusalsResponse();
        await using (var command = transaction.CreateCommand($"""
            with decisions as ({Decisions})
            select caller, target_plugin, method, path, reason, at, correlation_id, status, id
            from decisions
            where outcome = 'refused'
            order by at desc, id desc
            limit @limit
            """))
        {
            command.Parameters.AddWithValue("from", request.Since?.ToDateTimeOffset() ?? earliest);
            command.Parameters.AddWithValue("to", now.AddTicks(1));
            command.Parameters.AddWithValue("limit", request.Limit == 0 ? DefaultRefusals : request.Limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var refusal = new OperatorRefusal
                {
                    Caller = reader.GetString(0),
                    Target = reader.GetString(1),
                    Method = reader.GetString(2),
                    Path = reader.GetString(3),
                    Reason = reader.GetString(4),
                    At = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(5)),
                    CorrelationId = reader.GetString(6),
                    Sequence = reader.GetInt64(8),
                };
                if (!reader.IsDBNull(7))
                {
                    refusal.Status = reader.GetInt32(7);
                }

                response.Refusals.Add(refusal);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    private static bool IsValid(Timestamp timestamp) =>
        timestamp.Seconds is >= -62_135_596_800 and <= 253_402_300_799 && timestamp.Nanos is >= 0 and < 1_000_000_000;
}
