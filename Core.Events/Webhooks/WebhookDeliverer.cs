using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Lanes.Audit;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// One delivery attempt of one event to one endpoint, audited through the decision audit (lane canonical, action
/// <c>webhook.deliver</c>, target <c>webhook:&lt;endpoint id&gt;</c>, actor the event's publisher). Attempts are audited
/// in groups (<see cref="DecisionItemBatcher"/>): one record per publisher, endpoint, event type, outcome and reason
/// code, with record attributes endpoint_id, event_type (and replay = true for a replay's attempts), and one item per
/// attempt: event_id, attempt, status, duration_ms, bytes, response (≤ 512 characters), sequence, at (when it ended,
/// ISO 8601 UTC). These rows are the delivery log the registry serves (<c>ListWebhookDeliveries</c>, one delivery per
/// item): there is no second record.
/// </summary>
internal sealed class WebhookDeliverer(WebhookSender sender, DecisionAuditWriter audit, DecisionItemBatcher attempts, TimeProvider timeProvider)
{
    public const string Action = "webhook.deliver";

    /// <summary>Whether the audit buffer has room: an attempt that could not be audited is not made (the lane fails closed).</summary>
    public bool CanAudit => audit.Buffered < audit.Capacity;

    /// <summary>Sends <paramref name="evt"/> to the endpoint and audits the attempt; <paramref name="attempt"/> is its number for the log (0 for a manual retry).</summary>
    public async Task<WebhookAttempt> AttemptAsync(WebhookTarget target, CanonicalEvent evt, int attempt, ulong sequence, CancellationToken cancellationToken,
        bool replay = false)
    {
        var prepared = _prepared.GetValue(target, Prepare);
        var body = CloudEventJson.WriteUtf8(evt);
        var result = await sender.SendAsync(prepared.Url, prepared.Keys, evt.Id, body, cancellationToken);
        var eventType = CanonicalEventTypes.FindByFullName(evt.Type)?.Name ?? evt.Type;
        var group = replay ? prepared.ReplayAttributes(eventType) : prepared.Attributes(eventType);
        var item = new Dictionary<string, string>(8, StringComparer.Ordinal)
        {
            ["event_id"] = evt.Id,
            ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
            ["status"] = result.Status.ToString(CultureInfo.InvariantCulture),
            ["duration_ms"] = result.Duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture),
            ["bytes"] = body.Length.ToString(CultureInfo.InvariantCulture),
            ["response"] = result.Response,
            ["sequence"] = sequence.ToString(CultureInfo.InvariantCulture),
            ["at"] = timeProvider.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
        };
        attempts.Add(new LaneDecision(PublisherOf(evt), Lane.Canonical, prepared.AuditTarget, Action, result.Succeeded, result.ReasonCode, evt.Id,
            evt.Traceparent.Length == 0 ? null : evt.Traceparent, Attributes: group), item);
        return result;
    }

    // What every attempt to a target needs from it, worked out once per target as read from the registry (a refresh
    // reads new target objects, so a changed URL or secret is prepared anew; the old entries go with their targets).
    private readonly ConditionalWeakTable<WebhookTarget, PreparedTarget> _prepared = new();

    private static PreparedTarget Prepare(WebhookTarget target)
    {
        var keys = new List<byte[]>(target.Secrets.Count);
        foreach (var secret in target.Secrets)
        {
            if (WebhookSecret.TryParse(secret, out var key))
            {
                keys.Add(key);
            }
        }

        // As HttpRequestMessage reads a string URL.
        return new PreparedTarget(new Uri(target.Endpoint.Url, UriKind.RelativeOrAbsolute), keys, target.Endpoint.Id);
    }

    private sealed class PreparedTarget(Uri url, IReadOnlyList<byte[]> keys, string endpointId)
    {
        private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _attributes = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _replayAttributes = new(StringComparer.Ordinal);

        public Uri Url { get; } = url;

        public IReadOnlyList<byte[]> Keys { get; } = keys;

        public string AuditTarget { get; } = "webhook:" + endpointId;

        // The record attributes of an attempt's group, one dictionary per event type (the batcher only reads them).
        public IReadOnlyDictionary<string, string> Attributes(string eventType) =>
            _attributes.GetOrAdd(eventType, static (type, id) => new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["endpoint_id"] = id,
                ["event_type"] = type,
            }, endpointId);

        public IReadOnlyDictionary<string, string> ReplayAttributes(string eventType) =>
            _replayAttributes.GetOrAdd(eventType, static (type, id) => new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["endpoint_id"] = id,
                ["event_type"] = type,
                ["replay"] = "true",
            }, endpointId);
    }

    /// <summary>The publishing plugin (<c>fabrix://plugins/{id}</c>), or <c>core-events</c> for core's own operational events.</summary>
    public static string PublisherOf(CanonicalEvent evt)
    {
        const string Prefix = "fabrix://plugins/";
        return evt.Source.StartsWith(Prefix, StringComparison.Ordinal) && evt.Source.Length > Prefix.Length ? evt.Source[Prefix.Length..] : "core-events";
    }
}
