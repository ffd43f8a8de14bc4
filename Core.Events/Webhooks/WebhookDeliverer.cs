using System.Globalization;
using System.Text;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Lanes.Audit;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// One delivery attempt of one event to one endpoint, audited through the decision audit (lane canonical, action
/// <c>webhook.deliver</c>, target <c>webhook:&lt;endpoint id&gt;</c>, actor the event's publisher; attributes
/// endpoint_id, event_id, event_type, attempt, status, duration_ms, response (≤ 512 characters), sequence, and replay =
/// true for an attempt of a replay). These rows
/// are the delivery log the registry serves (<c>ListWebhookDeliveries</c>): there is no second record.
/// </summary>
internal sealed class WebhookDeliverer(WebhookSender sender, DecisionAuditWriter audit)
{
    public const string Action = "webhook.deliver";

    /// <summary>Whether the audit buffer has room: an attempt that could not be audited is not made (the lane fails closed).</summary>
    public bool CanAudit => audit.Buffered < audit.Capacity;

    /// <summary>Sends <paramref name="evt"/> to the endpoint and audits the attempt; <paramref name="attempt"/> is its number for the log (0 for a manual retry).</summary>
    public async Task<WebhookAttempt> AttemptAsync(WebhookTarget target, CanonicalEvent evt, int attempt, ulong sequence, CancellationToken cancellationToken,
        bool replay = false)
    {
        var keys = new List<byte[]>(target.Secrets.Count);
        foreach (var secret in target.Secrets)
        {
            if (WebhookSecret.TryParse(secret, out var key))
            {
                keys.Add(key);
            }
        }

        var body = Encoding.UTF8.GetBytes(CloudEventJson.Write(evt));
        var result = await sender.SendAsync(target.Endpoint.Url, keys, evt.Id, body, cancellationToken);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
                ["endpoint_id"] = target.Endpoint.Id,
                ["event_id"] = evt.Id,
                ["event_type"] = CanonicalEventTypes.FindByFullName(evt.Type)?.Name ?? evt.Type,
                ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
                ["status"] = result.Status.ToString(CultureInfo.InvariantCulture),
                ["duration_ms"] = result.Duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture),
                ["response"] = result.Response,
                ["sequence"] = sequence.ToString(CultureInfo.InvariantCulture),
        };
        if (replay)
        {
            attributes["replay"] = "true";
        }

        audit.Write(new LaneDecision(PublisherOf(evt), Lane.Canonical, "webhook:" + target.Endpoint.Id, Action, result.Succeeded, result.ReasonCode, evt.Id,
            evt.Traceparent.Length == 0 ? null : evt.Traceparent, body.Length, result.Duration, attributes));
        return result;
    }

    /// <summary>The publishing plugin (<c>fabrix://plugins/{id}</c>), or <c>core-events</c> for core's own operational events.</summary>
    public static string PublisherOf(CanonicalEvent evt)
    {
        const string Prefix = "fabrix://plugins/";
        return evt.Source.StartsWith(Prefix, StringComparison.Ordinal) && evt.Source.Length > Prefix.Length ? evt.Source[Prefix.Length..] : "core-events";
    }
}
