using System.Globalization;
using System.Text;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>A lane decision as an audit row: what the chain stores for it, with its record id and decision time.</summary>
/// <param name="RecordId">The record's id (the dedupe key).</param>
/// <param name="At">When the lane decided, at PostgreSQL's microsecond precision.</param>
/// <param name="Entry">Actor, action, target, outcome, reason and correlation id, sanitised; its <c>Details</c> is null.</param>
/// <param name="DetailsJson">The details, sanitised, as canonical JSON (<see cref="AuditChain.CanonicalJson"/>'s form).</param>
internal sealed record DecisionRow(Guid RecordId, DateTimeOffset At, AuditEntry Entry, string DetailsJson);

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
        var reason = record.ReasonCode.Length > 0 ? record.ReasonCode : allowed ? "allowed" : "refused";
        var entry = AuditValue.Sanitise(new AuditEntry($"plugin:{record.PluginId}", $"{ActionPrefix}{lane}.{record.Action}", record.Target,
            allowed ? AuditOutcome.Succeeded : AuditOutcome.Refused, reason, record.CorrelationId, null));
        var at = record.At!.ToDateTimeOffset();
        return new DecisionRow(Guid.ParseExact(record.Id, "D"), new DateTimeOffset(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero), entry,
            Details(record, lane));
    }

    /// <summary>
    /// The details as canonical JSON, written directly: members in code point order, no whitespace, strings escaped as
    /// <see cref="AuditChain"/> escapes them, integers in decimal; every string (keys too) bounded and sanitised as
    /// <see cref="AuditValue.Sanitise"/> does it, and of two attribute keys that become one, the first kept. The text is
    /// what the row stores and, as it is, what the hash covers (<see cref="AuditChain.HashCanonicalDetails"/>): no JSON
    /// tree, copy, or second parse per record. Items need no cut: a record holds at most
    /// <see cref="DecisionMessages.MaxItems"/>, which is no more than <see cref="AuditValue.MaxDetailArrayItems"/>.
    /// </summary>
    private static string Details(DecisionRecord record, string lane)
    {
        var text = new StringBuilder(192 + (record.Items.Count * 56));
        text.Append('{');
        // The members' keys in code point order: attributes, bytes, duration_us, items, lane, record_id, service, traceparent.
        if (record.Attributes.Count > 0)
        {
            text.Append("\"attributes\":");
            AppendAttributes(text, record.Attributes);
            text.Append(',');
        }

        if (record.HasBytes)
        {
            text.Append("\"bytes\":").Append(record.Bytes.ToString(CultureInfo.InvariantCulture)).Append(',');
        }

        if (record.HasDurationUs)
        {
            text.Append("\"duration_us\":").Append(record.DurationUs.ToString(CultureInfo.InvariantCulture)).Append(',');
        }

        if (record.Items.Count > 0)
        {
            text.Append("\"items\":[");
            for (var i = 0; i < record.Items.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                AppendAttributes(text, record.Items[i].Attributes);
            }

            text.Append("],");
        }

        text.Append("\"lane\":");
        AuditChain.AppendString(text, lane);
        text.Append(",\"record_id\":");
        AuditChain.AppendString(text, Bounded(record.Id));
        text.Append(",\"service\":");
        AuditChain.AppendString(text, Bounded(record.Service));
        if (record.Traceparent.Length > 0)
        {
            text.Append(",\"traceparent\":");
            AuditChain.AppendString(text, Bounded(record.Traceparent));
        }

        return text.Append('}').ToString();
    }

    /// <summary>
    /// Attributes as a canonical object: the first <see cref="MaxAttributes"/> keys in ordinal order are kept, each key
    /// and value bounded and sanitised (a key that becomes one already kept is dropped), written in code point order.
    /// </summary>
    private static void AppendAttributes(StringBuilder text, Google.Protobuf.Collections.MapField<string, string> attributes)
    {
        if (attributes.Count == 1)
        {
            // The common item (a batch's event_id): one member, nothing to order or merge.
            foreach (var (key, value) in attributes)
            {
                text.Append('{');
                AuditChain.AppendString(text, Bounded(key));
                text.Append(':');
                AuditChain.AppendString(text, Bounded(value));
                text.Append('}');
            }

            return;
        }

        var kept = new List<KeyValuePair<string, string>>(Math.Min(attributes.Count, MaxAttributes));
        foreach (var (key, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Take(MaxAttributes))
        {
            var bounded = Bounded(key);
            if (!kept.Exists(pair => pair.Key == bounded))
            {
                kept.Add(new(bounded, Bounded(value)));
            }
        }

        if (kept.Count > 1)
        {
            kept.Sort((a, b) => AuditChain.CompareCodePoints(a.Key, b.Key));
        }

        text.Append('{');
        for (var i = 0; i < kept.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            AuditChain.AppendString(text, kept[i].Key);
            text.Append(':');
            AuditChain.AppendString(text, kept[i].Value);
        }

        text.Append('}');
    }

    private static string Bounded(string value) => AuditValue.Bounded(value, AuditValue.MaxDetailStringLength);

    public static string LaneName(Lane lane) => lane switch
    {
        Lane.Operator => "operator",
        Lane.Canonical => "canonical",
        Lane.Proxy => "proxy",
        _ => throw new ArgumentOutOfRangeException(nameof(lane), lane, "Unknown lane."),
    };
}
