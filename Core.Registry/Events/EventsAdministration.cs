using System.Globalization;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Events;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Requests;

namespace Fabrix.Core.Registry.Events;

/// <summary>
/// The EventsAdmin calls that Core.Events executes (issue 11 sections 3 and 5), behind the registry's administrator
/// checks: subscriptions and their lag, dead letters, and replays. Reads need any administrator role (refusals
/// audited); a dead letter's payload is asked for only when the caller holds <c>admin</c>, and each such view is audited
/// (<see cref="EventsActions.ReadPayload"/>); replays need <c>admin</c> or <c>plugin_manager</c> and a reason, and are
/// audited here (the administrator action) while Core.Events audits what it did (the lane's decision).
/// </summary>
internal sealed class EventsAdministration(AdministratorAccess access, RequestArguments arguments, AuditLog audit, EventsControlClient control)
{
    public async Task<ListSubscriptionsResponse> ListSubscriptionsAsync(ListSubscriptionsRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = EventsActions.ListSubscriptions;
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, Action, "events", cancellationToken);
        if (request.PluginId.Length > 0)
        {
            await arguments.RequireIdAsync(caller, Action, "plugin_id", request.PluginId, cancellationToken);
        }

        return await ExecuteAsync(caller, Action, "events", EventsControl.ListSubscriptions, request, ListSubscriptionsResponse.Parser, cancellationToken);
    }

    public async Task<ListDeadLettersResponse> ListDeadLettersAsync(ListDeadLettersRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = EventsActions.ListDeadLetters;
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, Action, "dead_letters", cancellationToken);
        await arguments.RequireAsync(caller, Action, "dead_letters",
        [
            ("plugin_id", request.PluginId.Length == 0 ? null : RequestArguments.IdProblem(request.PluginId)),
            ("event_type", request.EventType.Length == 0 || CanonicalEventTypes.Find(request.EventType) is not null ? null : TypeProblem(request.EventType)),
            ("limit", request.Limit is < 0 or > 500 ? $"Must be between 1 and 500, or unset for 100 (was {request.Limit})." : null),
        ], cancellationToken);
        return await ExecuteAsync(caller, Action, "dead_letters", EventsControl.ListDeadLetters, request, ListDeadLettersResponse.Parser, cancellationToken);
    }

    public async Task<GetDeadLetterResponse> GetDeadLetterAsync(GetDeadLetterRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var target = Target(request.Sequence);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, EventsActions.GetDeadLetter, target, cancellationToken);
        await arguments.RequireAsync(caller, EventsActions.GetDeadLetter, target,
            [("sequence", request.Sequence == 0 ? "Must be a dead letter's sequence (1 or more)." : null)], cancellationToken);

        // Payloads are for admin only (issue 11 section 5); other roles never make Core.Events read one.
        var includePayload = caller.Roles.Contains(AdminRoles.Admin, StringComparer.Ordinal);
        var action = includePayload ? EventsActions.ReadPayload : EventsActions.GetDeadLetter;
        var response = await ExecuteAsync(caller, action, target, EventsControl.GetDeadLetter, request, GetDeadLetterResponse.Parser, cancellationToken,
            includePayload);
        if (!includePayload)
        {
            response.EventJson = string.Empty;
            response.PayloadWithheld = true;
            return response;
        }

        var letter = response.DeadLetter;
        await audit.SucceededAsync(caller, EventsActions.ReadPayload, target, "viewed a dead letter's payload", new JsonObject
        {
            ["event_id"] = letter.EventId,
            ["event_type"] = letter.EventType,
            ["classification"] = letter.Classification,
            ["subscriber"] = letter.PluginId,
        }, cancellationToken);
        return response;
    }

    public async Task<ReplayDeadLetterResponse> ReplayDeadLetterAsync(ReplayDeadLetterRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = EventsActions.ReplayDeadLetter;
        var target = Target(request.Sequence);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target,
        [
            ("sequence", request.Sequence == 0 ? "Must be a dead letter's sequence (1 or more)." : null),
            ReasonCheck(request.Reason),
        ], cancellationToken);

        var response = await ExecuteAsync(caller, Action, target, EventsControl.ReplayDeadLetter, request, ReplayDeadLetterResponse.Parser, cancellationToken);
        await audit.SucceededAsync(caller, Action, target, request.Reason, new JsonObject
        {
            ["subscriber"] = response.PluginId,
            ["event_id"] = response.EventId,
            ["replay_sequence"] = response.ReplaySequence,
        }, cancellationToken);
        return response;
    }

    public async Task<ReplaySubscriptionResponse> ReplaySubscriptionAsync(ReplaySubscriptionRequest request, HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        const string Action = EventsActions.ReplaySubscription;
        var target = $"subscription:{(RequestArguments.IdProblem(request.PluginId) is null ? request.PluginId : "?")}/{(CanonicalEventTypes.Find(request.EventType)?.Name ?? "?")}";
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target,
        [
            ("plugin_id", RequestArguments.IdProblem(request.PluginId)),
            ("event_type", CanonicalEventTypes.Find(request.EventType) is null ? TypeProblem(request.EventType) : null),
            ("start", request.StartCase switch
            {
                ReplaySubscriptionRequest.StartOneofCase.FromSequence when request.FromSequence > 0 => null,
                ReplaySubscriptionRequest.StartOneofCase.FromTime when request.FromTime.Seconds is > 0 and <= 253_402_300_799
                    && request.FromTime.Nanos is >= 0 and < 1_000_000_000 => null,
                _ => "Exactly one of from_sequence (1 or more) and from_time (a valid time) is required.",
            }),
            ReasonCheck(request.Reason),
        ], cancellationToken);

        var response = await ExecuteAsync(caller, Action, target, EventsControl.ReplaySubscription, request, ReplaySubscriptionResponse.Parser, cancellationToken);
        await audit.SucceededAsync(caller, Action, target, request.Reason, new JsonObject
        {
            ["plugin_id"] = request.PluginId,
            ["event_type"] = request.EventType,
            ["from"] = request.StartCase == ReplaySubscriptionRequest.StartOneofCase.FromTime
                ? request.FromTime.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture)
                : request.FromSequence.ToString(CultureInfo.InvariantCulture),
            ["pending"] = response.Pending,
        }, cancellationToken);
        return response;
    }

    /// <summary>The audit target of a dead letter: <c>dead_letter:&lt;sequence&gt;</c>.</summary>
    public static string Target(ulong sequence) => "dead_letter:" + sequence.ToString(CultureInfo.InvariantCulture);

    private async Task<TReply> ExecuteAsync<TReply>(Caller caller, string action, string target, string subject, Google.Protobuf.IMessage request,
        Google.Protobuf.MessageParser<TReply> parser, CancellationToken cancellationToken, bool includePayload = false)
        where TReply : Google.Protobuf.IMessage<TReply>
    {
        var (reply, refusal) = await audit.RecordFailuresAsync(caller, action, target,
            () => control.RequestAsync(subject, request, caller, parser, cancellationToken, includePayload), cancellationToken);
        if (refusal is not null)
        {
            throw await audit.RefuseAsync(caller, action, target, refusal, null, cancellationToken);
        }

        return reply!;
    }

    private static string TypeProblem(string value) =>
        $"Must be a canonical event type ({string.Join(", ", CanonicalEventTypes.All.Select(t => t.Name).Order(StringComparer.Ordinal))}); was '{(value.Length <= 64 ? value : value[..64])}'.";

    private static (string, string?) ReasonCheck(string reason) =>
        ("reason", string.IsNullOrWhiteSpace(reason) ? "A reason is required." : RequestArguments.ReasonProblem(reason));
}
