using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Policy;
using Fabrix.Core.Registry.Requests;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Events;

/// <summary>
/// What the registry itself knows about the Canonical lane (issue 11 section 5): who may publish and subscribe each
/// type (the policy snapshot's rules: an active plugin, the type in its manifest, traits allowing the classification;
/// <c>CanonicalPolicy</c> in Core.Events), who did (the audited publish and deliver decisions of the last 24 hours),
/// and the recent publishes (metadata only) that the CLI's and the console's tails poll. Reads go through
/// <c>audit_log_by_at</c> (the <c>at</c> range) filtered on the lane, bounded in rows.
/// </summary>
internal sealed class EventActivity(AdministratorAccess access, RequestArguments arguments, RegistryDatabase database)
{
    public const int DefaultRecent = 50;
    public const int MaxRecent = 500;
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public async Task<ListEventTypesResponse> ListTypesAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(httpContext, AdminPermission.Read, EventsActions.ListTypes, "events", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var snapshot = await PolicyStore.ReadSnapshotAsync(transaction, cancellationToken);
        var activity = new List<(string Action, string Type, string Plugin)>();
        await using (var command = transaction.CreateCommand("""
            select distinct action, details -> 'attributes' ->> 'event_type', substr(actor, 8)
            from audit_log
            where lane = 'canonical' and at >= @from and outcome = 'succeeded'
              and action in ('lane.canonical.publish', 'lane.canonical.deliver')
              and details -> 'attributes' ->> 'event_type' is not null
            """))
        {
            command.Parameters.AddWithValue("from", transaction.Now - Window);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                activity.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return Describe(snapshot.Plugins, activity);
    }

    /// <summary>The types, each with who may and who did publish and receive it.</summary>
    public static ListEventTypesResponse Describe(IEnumerable<PolicyPlugin> plugins, IReadOnlyList<(string Action, string Type, string Plugin)> activity)
    {
        var active = plugins.Where(p => p.Status == Contracts.Registry.V1.PluginStatus.Active).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        var response = new ListEventTypesResponse();
        foreach (var type in CanonicalEventTypes.All.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var info = new EventTypeInfo { Name = type.Name, FullName = type.FullName, Classification = type.Classification };
            info.MayPublish.Add(active.Where(p => p.EventPublishes.Contains(type.Name) && type.AllowedFor(p.Traits)).Select(p => p.Id));
            info.MaySubscribe.Add(active.Where(p => p.EventSubscribes.Contains(type.Name) && type.AllowedFor(p.Traits)).Select(p => p.Id));
            info.DidPublish.Add(Who(activity, "lane.canonical.publish", type.Name));
            info.DidReceive.Add(Who(activity, "lane.canonical.deliver", type.Name));
            response.Types_.Add(info);
        }

        return response;
    }

    public async Task<ListRecentEventsResponse> ListRecentAsync(ListRecentEventsRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, EventsActions.Tail, "events", cancellationToken);
        await arguments.RequireAsync(caller, EventsActions.Tail, "events",
        [
            ("limit", request.Limit is < 0 or > MaxRecent ? $"Must be between 1 and {MaxRecent}, or unset for {DefaultRecent} (was {request.Limit})." : null),
            ("after_sequence", request.AfterSequence < 0 ? $"Must be an audit sequence (0 or more; was {request.AfterSequence})." : null),
        ], cancellationToken);

        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListRecentEventsResponse();

        // From the start: the newest rows; after a sequence: the next rows after it. Either way oldest first, whole rows
        // (a batch publish's row names up to DecisionMessages.MaxItems events in details.items) until `limit` events are
        // reached, so the last row's sequence is always a cursor that skips nothing.
        await using (var command = transaction.CreateCommand("""
            with candidate as (
                select id, at, substr(actor, 8) as publisher, details,
                       coalesce(jsonb_array_length(details -> 'items'), 1) as events
                from audit_log
                where lane = 'canonical' and at >= @from and action = 'lane.canonical.publish' and outcome = 'succeeded' and id > @after
                  and (details -> 'attributes' ->> 'event_id' is not null or jsonb_typeof(details -> 'items') = 'array')
                order by case when @after = 0 then -id else id end
                limit @limit),
            picked as (
                select *, sum(events) over (order by case when @after = 0 then -id else id end rows unbounded preceding) - events as before
                from candidate)
            select p.id, item.n - 1, coalesce(item.value ->> 'event_id', p.details -> 'attributes' ->> 'event_id'),
                   p.details -> 'attributes' ->> 'event_type', coalesce(p.details -> 'attributes' ->> 'classification', ''), p.publisher, p.at,
                   coalesce(item.value ->> 'duplicate', p.details -> 'attributes' ->> 'duplicate', '') = 'true'
            from picked p
            cross join lateral jsonb_array_elements(coalesce(p.details -> 'items', '[{}]'::jsonb)) with ordinality as item(value, n)
            where p.before < @limit and coalesce(item.value ->> 'event_id', p.details -> 'attributes' ->> 'event_id') is not null
            order by p.id, item.n
            """))
        {
            command.Parameters.AddWithValue("from", transaction.Now - Window);
            command.Parameters.AddWithValue("after", request.AfterSequence);
            command.Parameters.AddWithValue("limit", request.Limit == 0 ? DefaultRecent : request.Limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                response.Events.Add(new RecentEvent
                {
                    Sequence = reader.GetInt64(0),
                    Item = (int)reader.GetInt64(1),
                    EventId = reader.GetString(2),
                    EventType = reader.IsDBNull(3) ? string.Empty : reader.GetString(3),
                    Classification = reader.GetString(4),
                    Publisher = reader.GetString(5),
                    At = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(6)),
                    Duplicate = reader.GetBoolean(7),
                });
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    private static IEnumerable<string> Who(IReadOnlyList<(string Action, string Type, string Plugin)> activity, string action, string type) =>
        activity.Where(a => a.Action == action && a.Type == type).Select(a => a.Plugin).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
}
