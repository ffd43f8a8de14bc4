using System.Text;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Webhooks;

/// <summary>
/// <c>fabrix.events.v1.WebhooksAdmin</c> (issue 11 section 4): outbound webhook endpoints. <c>admin</c> and
/// <c>plugin_manager</c> change (Add, Remove, Rotate, Enable, Disable, Retry, Replay), any administrator role reads (List, Get,
/// ListDeliveries), and no read ever returns a secret: Add and Rotate return the new one, once. A secret is
/// <c>whsec_</c> + base64 of 32 random bytes, stored encrypted with Data Protection. Every change is one transaction
/// with its audit row (<c>webhook.*</c>, target <c>webhook:&lt;id&gt;</c>); refusals are audited too. The delivery log
/// is Core.Events' own audited attempts (decision rows of action <c>lane.canonical.webhook.deliver</c> with the same
/// target; one attempt per item of a row, or the row's attributes for a row without items): there is no second record of
/// a delivery. Every committed change is announced to Core.Events
/// (<see cref="WebhookChangeNotifier"/>); retry and replay are executed by Core.Events over core-only control subjects.
/// </summary>
internal sealed class WebhooksAdminService(
    AdministratorAccess access,
    RequestArguments arguments,
    AuditLog audit,
    RegistryDatabase database,
    WebhookSecrets secrets,
    INatsConnection nats,
    WebhookChangeNotifier changes,
    TimeProvider timeProvider,
    IOptions<WebhookOptions> options) : WebhooksAdmin.WebhooksAdminBase
{
    public const int MaxDescriptionLength = 1024;
    public const int DefaultDeliveries = 50;
    public const int MaxDeliveries = 500;

    /// <summary>The action of Core.Events' delivery decision rows.</summary>
    public const string DeliveryAction = "lane.canonical.webhook.deliver";

    private static readonly JsonFormatter s_json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
    private static readonly System.Buffers.SearchValues<char> s_hex = System.Buffers.SearchValues.Create("0123456789abcdef");
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public override async Task<WebhookEndpointWithSecret> AddWebhookEndpoint(AddWebhookEndpointRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        const string Action = WebhookActions.Add;
        var id = "wh_" + Guid.CreateVersion7().ToString("N");
        var target = Target(id);
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Manage, Action, target, cancellationToken);
        var types = new List<string>();
        var checks = new List<(string, string?)>
        {
            ("url", WebhookUrl.Problem(request.Url, options.Value.TestAllowance())),
            ("description", RequestArguments.TextProblem(request.Description, MaxDescriptionLength)),
            ("reason", ReasonProblem(request.Reason)),
        };
        for (var i = 0; i < request.EventTypes.Count; i++)
        {
            var type = CanonicalEventTypes.Find(request.EventTypes[i]) ?? CanonicalEventTypes.FindByFullName(request.EventTypes[i]);
            checks.Add(($"event_types[{i}]", type is null
                ? $"'{request.EventTypes[i]}' is not a canonical event type ({string.Join(", ", CanonicalEventTypes.All.Select(t => t.Name).Order(StringComparer.Ordinal))})."
                : null));
            if (type is not null && !types.Contains(type.FullName, StringComparer.Ordinal))
            {
                types.Add(type.FullName);
            }
        }

        await arguments.RequireAsync(caller, Action, target, checks, cancellationToken);
        var secret = WebhookSecret.Generate();
        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await WebhookStore.InsertAsync(transaction, id, request.Url, types, request.Description, secrets.Protect(secret), caller.Actor, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason, new JsonObject
            {
                ["url"] = request.Url,
                ["event_types"] = new JsonArray([.. types.Select(t => (JsonNode)t)]),
            }, cancellationToken);
            var stored = (await WebhookStore.ReadAsync(transaction, id, cancellationToken))[0];
            changes.AfterCommit(transaction, id);
            await transaction.CommitAsync(cancellationToken);
            return new WebhookEndpointWithSecret { Endpoint = stored.Endpoint, Secret = secret };
        }, cancellationToken);
    }

    public override async Task<ListWebhookEndpointsResponse> ListWebhookEndpoints(ListWebhookEndpointsRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Read, WebhookActions.List, "webhook", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListWebhookEndpointsResponse();
        response.Endpoints.Add((await WebhookStore.ReadAsync(transaction, null, cancellationToken)).Select(e => e.Endpoint));
        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public override async Task<WebhookEndpoint> GetWebhookEndpoint(GetWebhookEndpointRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var target = Target(request.Id);
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Read, WebhookActions.Get, target, cancellationToken);
        await arguments.RequireAsync(caller, WebhookActions.Get, target, [("id", IdProblem(request.Id))], cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var stored = await FindAsync(transaction, caller, WebhookActions.Get, request.Id, forUpdate: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored.Endpoint;
    }

    public override async Task<RemoveWebhookEndpointResponse> RemoveWebhookEndpoint(RemoveWebhookEndpointRequest request, ServerCallContext context)
    {
        await ChangeAsync(context, WebhookActions.Remove, request.Id, request.Reason, async (transaction, caller, stored, cancellationToken) =>
        {
            await WebhookStore.DeleteAsync(transaction, stored.Endpoint.Id, cancellationToken);
            return new JsonObject { ["url"] = stored.Endpoint.Url };
        });
        return new RemoveWebhookEndpointResponse();
    }

    public override async Task<WebhookEndpointWithSecret> RotateWebhookSecret(RotateWebhookSecretRequest request, ServerCallContext context)
    {
        var secret = WebhookSecret.Generate();
        var endpoint = await ChangeAsync(context, WebhookActions.Rotate, request.Id, request.Reason, async (transaction, caller, stored, cancellationToken) =>
        {
            var expires = transaction.Now + options.Value.SecretOverlap;
            await WebhookStore.RotateAsync(transaction, stored.Endpoint.Id, secrets.Protect(secret), expires, cancellationToken);
            return new JsonObject { ["previous_secret_expires_at"] = expires.ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
        });
        return new WebhookEndpointWithSecret { Endpoint = endpoint, Secret = secret };
    }

    public override Task<WebhookEndpoint> EnableWebhookEndpoint(SetWebhookEndpointEnabledRequest request, ServerCallContext context) =>
        ChangeAsync(context, WebhookActions.Enable, request.Id, request.Reason, async (transaction, caller, stored, cancellationToken) =>
        {
            await WebhookStore.SetEnabledAsync(transaction, stored.Endpoint.Id, true, string.Empty, cancellationToken);
            return new JsonObject { ["was_enabled"] = stored.Endpoint.Enabled };
        });

    public override Task<WebhookEndpoint> DisableWebhookEndpoint(SetWebhookEndpointEnabledRequest request, ServerCallContext context) =>
        ChangeAsync(context, WebhookActions.Disable, request.Id, request.Reason, async (transaction, caller, stored, cancellationToken) =>
        {
            await WebhookStore.SetEnabledAsync(transaction, stored.Endpoint.Id, false, $"disabled by {caller.Actor}: {request.Reason}", cancellationToken);
            return new JsonObject { ["was_enabled"] = stored.Endpoint.Enabled };
        });

    public override async Task<ListWebhookDeliveriesResponse> ListWebhookDeliveries(ListWebhookDeliveriesRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var target = Target(request.Id);
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Read, WebhookActions.Deliveries, target, cancellationToken);
        await arguments.RequireAsync(caller, WebhookActions.Deliveries, target,
        [
            ("id", IdProblem(request.Id)),
            ("limit", request.Limit is < 0 or > MaxDeliveries ? $"Must be between 1 and {MaxDeliveries}, or unset for {DefaultDeliveries} (was {request.Limit})." : null),
        ], cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        await FindAsync(transaction, caller, WebhookActions.Deliveries, request.Id, forUpdate: false, cancellationToken);
        var response = new ListWebhookDeliveriesResponse();
        await using (var command = transaction.CreateCommand("""
            select a.event_id, a.attempt, a.status, r.outcome, a.duration_ms, a.response, coalesce(a.at, r.at), r.reason, a.replay
            from (select id, at, outcome, reason, details from audit_log where target = @target and action = @action order by id desc limit @limit) r
            cross join lateral (
                select coalesce(nullif(i.value, 'null'::jsonb), r.details -> 'attributes') as attempt_details, i.n
                from jsonb_array_elements(case when jsonb_typeof(r.details -> 'items') = 'array' then r.details -> 'items' else '[null]'::jsonb end)
                    with ordinality as i (value, n)) e
            cross join lateral (
                select e.attempt_details ->> 'event_id' as event_id, e.attempt_details ->> 'attempt' as attempt, e.attempt_details ->> 'status' as status,
                       e.attempt_details ->> 'duration_ms' as duration_ms, e.attempt_details ->> 'response' as response,
                       coalesce(r.details -> 'attributes' ->> 'replay', e.attempt_details ->> 'replay') as replay,
                       (e.attempt_details ->> 'at')::timestamptz as at) a
            order by r.id desc, e.n desc limit @limit
            """))
        {
            command.Parameters.AddWithValue("target", target);
            command.Parameters.AddWithValue("action", DeliveryAction);
            command.Parameters.AddWithValue("limit", request.Limit == 0 ? DefaultDeliveries : request.Limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var succeeded = reader.GetString(3) == "succeeded";
                response.Deliveries.Add(new WebhookDelivery
                {
                    EventId = reader.IsDBNull(0) ? string.Empty : reader.GetString(0),
                    Attempt = reader.IsDBNull(1) || !int.TryParse(reader.GetString(1), out var attempt) ? 0 : attempt,
                    Status = reader.IsDBNull(2) || !int.TryParse(reader.GetString(2), out var status) ? 0 : status,
                    Succeeded = succeeded,
                    DurationMs = reader.IsDBNull(4) || !double.TryParse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture, out var ms) ? 0 : ms,
                    Response = reader.IsDBNull(5) ? string.Empty : reader.GetString(5),
                    At = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(6)),
                    ReasonCode = succeeded ? string.Empty : reader.GetString(7),
                    Replay = !reader.IsDBNull(8) && reader.GetString(8) == "true",
                });
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public override async Task<RetryWebhookDeliveryResponse> RetryWebhookDelivery(RetryWebhookDeliveryRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        const string Action = WebhookActions.Retry;
        var target = Target(request.Id);
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target,
        [
            ("id", IdProblem(request.Id)),
            ("event_id", Guid.TryParseExact(request.EventId, "D", out _) ? null : "Must be an event id (a UUID)."),
            ("reason", ReasonProblem(request.Reason)),
        ], cancellationToken);
        ulong sequence;
        await using (var transaction = await database.BeginAsync(cancellationToken))
        {
            await FindAsync(transaction, caller, Action, request.Id, forUpdate: false, cancellationToken);
            // The event's place in the canonical stream, as Core.Events logged it with every attempt.
            await using var read = transaction.CreateCommand("""
                select coalesce(nullif(i.value, 'null'::jsonb), r.details -> 'attributes') ->> 'sequence'
                from audit_log r
                cross join lateral jsonb_array_elements(case when jsonb_typeof(r.details -> 'items') = 'array' then r.details -> 'items' else '[null]'::jsonb end)
                    with ordinality as i (value, n)
                where r.target = @target and r.action = @action and coalesce(nullif(i.value, 'null'::jsonb), r.details -> 'attributes') ->> 'event_id' = @event
                order by r.id desc, i.n desc limit 1
                """);
            read.Parameters.AddWithValue("target", target);
            read.Parameters.AddWithValue("action", DeliveryAction);
            read.Parameters.AddWithValue("event", request.EventId);
            var found = await read.ExecuteScalarAsync(cancellationToken) as string;
            if (!ulong.TryParse(found, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence))
            {
                throw await audit.RefuseAsync(transaction, caller, Action, target, Refusal.Of(RefusalKind.NotFound, RefusalCodes.NotFound,
                    $"No delivery of event {request.EventId} to {request.Id} is in the delivery log: only a delivered (or attempted) event can be retried."),
                    new JsonObject { ["event_id"] = request.EventId }, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var command = new WebhookRetryCommand
        {
            EndpointId = request.Id, EventId = request.EventId, Actor = caller.Actor, CorrelationId = caller.CorrelationId, StreamSequence = sequence,
        };
        WebhookRetryResult result;
        try
        {
            var reply = await nats.RequestAsync<byte[], byte[]>(options.Value.RetrySubject, Encoding.UTF8.GetBytes(s_json.Format(command)),
                replyOpts: new NatsSubOpts { Timeout = options.Value.RetryTimeout }, cancellationToken: cancellationToken);
            result = s_parser.Parse<WebhookRetryResult>(Encoding.UTF8.GetString(reply.Data ?? []));
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException or InvalidProtocolBufferException)
        {
            throw await audit.RefuseAsync(caller, Action, target, Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.WebhookRetryUnavailable,
                $"Core.Events did not answer the retry of {request.EventId} within {options.Value.RetryTimeout}: nothing was delivered by this request."), null, cancellationToken);
        }

        if (!result.Found)
        {
            throw await audit.RefuseAsync(caller, Action, target, Refusal.Of(RefusalKind.NotFound, RefusalCodes.NotFound,
                $"Core.Events cannot retry: {result.Problem}"), new JsonObject { ["event_id"] = request.EventId }, cancellationToken);
        }

        await audit.SucceededAsync(caller, Action, target, request.Reason, new JsonObject
        {
            ["event_id"] = request.EventId,
            ["delivered"] = result.Succeeded,
            ["status"] = result.Status,
        }, cancellationToken);
        return new RetryWebhookDeliveryResponse { Succeeded = result.Succeeded, Status = result.Status, Response = result.Response };
    }

    public override async Task<ReplayWebhookEndpointResponse> ReplayWebhookEndpoint(ReplayWebhookEndpointRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        const string Action = WebhookActions.Replay;
        var target = Target(request.Id);
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Manage, Action, target, cancellationToken);
        var now = timeProvider.GetUtcNow();
        await arguments.RequireAsync(caller, Action, target,
        [
            ("id", IdProblem(request.Id)),
            ("since", SinceProblem(request.Since, now)),
            ("reason", ReasonProblem(request.Reason)),
        ], cancellationToken);
        var since = request.Since.ToDateTimeOffset();
        var details = new JsonObject { ["since"] = since.ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
        await using (var transaction = await database.BeginAsync(cancellationToken))
        {
            var stored = await FindAsync(transaction, caller, Action, request.Id, forUpdate: false, cancellationToken);
            if (!stored.Endpoint.Enabled)
            {
                throw await audit.RefuseAsync(transaction, caller, Action, target, Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.WebhookEndpointDisabled,
                    $"{request.Id} is disabled ({stored.Endpoint.DisabledReason}): a disabled endpoint receives nothing; enable it first."), details, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var command = new WebhookReplayCommand { EndpointId = request.Id, Since = request.Since, Actor = caller.Actor, CorrelationId = caller.CorrelationId };
        WebhookReplayResult result;
        try
        {
            var reply = await nats.RequestAsync<byte[], byte[]>(options.Value.ReplaySubject, Encoding.UTF8.GetBytes(s_json.Format(command)),
                replyOpts: new NatsSubOpts { Timeout = options.Value.ReplayTimeout }, cancellationToken: cancellationToken);
            result = s_parser.Parse<WebhookReplayResult>(Encoding.UTF8.GetString(reply.Data ?? []));
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException or TimeoutException or InvalidProtocolBufferException)
        {
            throw await audit.RefuseAsync(caller, Action, target, Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.EventsControlUnavailable,
                $"Core.Events did not answer the replay of {request.Id} within {options.Value.ReplayTimeout}: no replay was started."), details, cancellationToken);
        }

        if (!result.Accepted)
        {
            var refusal = result.Code switch
            {
                RefusalCodes.WebhookReplayOutOfRetention => new Refusal(RefusalKind.InvalidArgument, result.Code, result.Problem, [new FieldViolation("since", result.Problem)]),
                RefusalCodes.WebhookEndpointNotFound => Refusal.Of(RefusalKind.NotFound, result.Code, result.Problem),
                RefusalCodes.WebhookReplayInProgress or RefusalCodes.WebhookEndpointDisabled => Refusal.Of(RefusalKind.FailedPrecondition, result.Code, result.Problem),
                _ => Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.EventsControlUnavailable, $"Core.Events did not start the replay: {result.Problem}"),
            };
            throw await audit.RefuseAsync(caller, Action, target, refusal, details, cancellationToken);
        }

        details["events"] = result.Events;
        details["last_sequence"] = result.LastSequence;
        await audit.SucceededAsync(caller, Action, target, request.Reason, details, cancellationToken);
        return new ReplayWebhookEndpointResponse { Events = result.Events, LastSequence = result.LastSequence };
    }

    /// <summary>Why <paramref name="since"/> is not a replay start at <paramref name="now"/>, or null (the retention is Core.Events' check: it knows the stream).</summary>
    public static string? SinceProblem(Timestamp? since, DateTimeOffset now)
    {
        if (since is null)
        {
            return "Required: the time from which the endpoint's events are delivered again.";
        }

        if (since.Seconds < Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch).Seconds || since.Nanos is < 0 or > 999_999_999)
        {
            return "Must be a time after 1970-01-01T00:00:00Z.";
        }

        var value = since.ToDateTimeOffset();
        return value > now
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Must not be in the future (was {value:O}, now is {now:O}).")
            : null;
    }

    /// <summary>The audit target of an endpoint: <c>webhook:&lt;id&gt;</c> (bounded, for ids that failed validation).</summary>
    public static string Target(string id) => "webhook:" + (id.Length <= 64 ? id : id[..64]);

    /// <summary>Why <paramref name="id"/> is not an endpoint id, or null.</summary>
    public static string? IdProblem(string id) =>
        id.Length == 35 && id.StartsWith("wh_", StringComparison.Ordinal) && !id.AsSpan(3).ContainsAnyExcept(s_hex)
            ? null
            : "Must be a webhook endpoint id (wh_ and 32 lower-case hex characters).";

    private static string? ReasonProblem(string reason) =>
        string.IsNullOrWhiteSpace(reason) ? "A reason is required." : RequestArguments.ReasonProblem(reason);

    private async Task<WebhookEndpoint> ChangeAsync(ServerCallContext context, string action, string id, string reason,
        Func<RegistryTransaction, Caller, StoredWebhookEndpoint, CancellationToken, Task<JsonObject>> change)
    {
        var cancellationToken = context.CancellationToken;
        var target = Target(id);
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Manage, action, target, cancellationToken);
        await arguments.RequireAsync(caller, action, target, [("id", IdProblem(id)), ("reason", ReasonProblem(reason))], cancellationToken);
        return await audit.RecordFailuresAsync(caller, action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var stored = await FindAsync(transaction, caller, action, id, forUpdate: true, cancellationToken);
            var details = await change(transaction, caller, stored, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, action, target, reason, details, cancellationToken);
            var after = await WebhookStore.ReadAsync(transaction, id, cancellationToken);
            changes.AfterCommit(transaction, id);
            await transaction.CommitAsync(cancellationToken);
            return after.Count == 0 ? stored.Endpoint : after[0].Endpoint;
        }, cancellationToken);
    }

    private async Task<StoredWebhookEndpoint> FindAsync(RegistryTransaction transaction, Caller caller, string action, string id, bool forUpdate,
        CancellationToken cancellationToken)
    {
        var found = await WebhookStore.ReadAsync(transaction, id, cancellationToken, forUpdate);
        if (found.Count == 0)
        {
            throw await audit.RefuseAsync(transaction, caller, action, Target(id),
                Refusal.Of(RefusalKind.NotFound, RefusalCodes.WebhookEndpointNotFound, $"No webhook endpoint has the id '{id}'."), null, cancellationToken);
        }

        return found[0];
    }
}

/// <summary>Audit action names of outbound webhook administration.</summary>
internal static class WebhookActions
{
    public const string Add = "webhook.add";
    public const string Remove = "webhook.remove";
    public const string Rotate = "webhook.rotate";
    public const string Enable = "webhook.enable";
    public const string Disable = "webhook.disable";
    public const string Retry = "webhook.retry";
    public const string Replay = "webhook.replay";

    /// <summary>Reads: only refusals are audited.</summary>
    public const string List = "webhook.list";
    public const string Get = "webhook.get";
    public const string Deliveries = "webhook.deliveries";

    /// <summary>Core.Events reading the endpoints with their secrets (refusals audited).</summary>
    public const string ReadTargets = "webhook.targets.read";

    /// <summary>Core.Events reporting a delivery state change (failing since, recovered, disabled by delivery).</summary>
    public const string ReportState = "webhook.state";
}

/// <summary>Encrypts and decrypts webhook secrets at rest with ASP.NET Core Data Protection (the registry's key ring).</summary>
internal sealed class WebhookSecrets(IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Fabrix.Core.Registry.WebhookSecrets.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
