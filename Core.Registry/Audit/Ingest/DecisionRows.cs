using System.Text.Json.Nodes;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>A lane decision as an audit row: what the chain stores for it, with its record id and decision time.</summary>
internal sealed record DecisionRow(Guid RecordId, DateTimeOffset At, AuditEntry Entry);

/// <summary>
/// Maps a <see cref="DecisionRecord"/> to an ordinary chained audit row (issue 9 section 4): actor
/// <c>plugin:&lt;plugin_id&gt;</c>, action <c>lane.&lt;lane&gt;.&lt;action&gt;</c>, outcome <c>succeeded</c> (allowed) or
/// <c>refused</c>, reason the refusal code (<c>allowed</c> when allowed without one), details <c>record_id</c>,
/// <c>lane</c>, <c>service</c> and, when present, <c>traceparent</c>, <c>bytes</c>, <c>duration_us</c>, <c>attributes</c> (an object, keys in ordinal order) and <c>items</c> (an array of such objects,
/// one per decision a record with items stands for); <c>at</c> is
/// when the lane decided, at PostgreSQL's microsecond precision. The hash covers all of it.
/// </summary>
internal static class DecisionRows
{
    public const string ActionPrefix = "lane.";

    /// <summary>The most attributes of one record the row keeps (the lanes send at most as many).</summary>
    public const int MaxAttributes = 16;

    /// <summary>The row, or the reason the record cannot be one (it is then terminated, never appended).</summary>
    public static DecisionRow? TryMap(DecisionRecord record, out string? problem)
    {
        problem = record switch
        {
            _ when !Guid.TryParseExact(record.Id, "D", out _) => "id is not a UUID",
            _ when record.At is null => "at is missing",
            _ when record.Lane is not (Lane.Operator or Lane.Canonical or Lane.Proxy) => "lane is not operator, canonical or proxy",
            _ when record.Outcome is not (DecisionOutcome.Allowed or DecisionOutcome.Refused) => "outcome is not allowed or refused",
            _ when string.IsNullOrEmpty(record.PluginId) => "plugin_id is empty",
            _ when string.IsNullOrEmpty(record.Action) => "action is empty",
            _ when record.Items.Count > DecisionMessages.MaxItems => $"items holds {record.Items.Count}, more than {DecisionMessages.MaxItems}",
            _ => null,
        };
        if (problem is not null)
        {
            return null;
        }

        var lane = LaneName(record.Lane);
        var allowed = record.Outcome == DecisionOutcome.Allowed;
        var details = new JsonObject
        {
            ["record_id"] = record.Id,
            ["lane"] = lane,
            ["service"] = record.Service,
        };
        if (record.Traceparent.Length > 0)
        {
            details["traceparent"] = record.Traceparent;
        }

        if (record.HasBytes)
        {
            details["bytes"] = record.Bytes;
        }

        if (record.HasDurationUs)
        {
            details["duration_us"] = record.DurationUs;
        }

        if (record.Attributes.Count > 0)
        {
            details["attributes"] = Attributes(record.Attributes);
        }

        if (record.Items.Count > 0)
        {
            var items = new JsonArray();
            foreach (var item in record.Items)
            {
                items.Add(Attributes(item.Attributes));
            }

            details["items"] = items;
        }

        var reason = record.ReasonCode.Length > 0 ? record.ReasonCode : allowed ? "allowed" : "refused";
        var entry = AuditValue.Sanitise(new AuditEntry($"plugin:{record.PluginId}", $"{ActionPrefix}{lane}.{record.Action}", record.Target,
            allowed ? AuditOutcome.Succeeded : AuditOutcome.Refused, reason, record.CorrelationId, details));
        var at = record.At!.ToDateTimeOffset();
        return new DecisionRow(Guid.ParseExact(record.Id, "D"), new DateTimeOffset(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero), entry);
    }

    /// <summary>Attributes as an object, keys in ordinal order, at most <see cref="MaxAttributes"/>.</summary>
    private static JsonObject Attributes(IDictionary<string, string> attributes)
    {
        var json = new JsonObject();
        foreach (var (key, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Take(MaxAttributes))
        {
            json[key] = value;
        }

        return json;
    }

    public static string LaneName(Lane lane) => lane switch
    {
        Lane.Operator => "operator",
        Lane.Canonical => "canonical",
        Lane.Proxy => "proxy",
        _ => throw new ArgumentOutOfRangeException(nameof(lane), lane, "Unknown lane."),
    };
}
