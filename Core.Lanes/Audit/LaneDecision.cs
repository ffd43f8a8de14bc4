using Fabrix.Contracts.Audit.V1;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// One decision of a lane, allowed or refused, as the lane hands it to <see cref="DecisionAuditWriter"/> (issue 9
/// section 4). The writer stamps the record id (UUIDv7) and the time.
/// </summary>
/// <param name="PluginId">The plugin whose request was decided.</param>
/// <param name="Lane">The lane that decided.</param>
/// <param name="Target">What the plugin asked to reach (target plugin and path, event type, host and port).</param>
/// <param name="Action">What it asked to do, lower-case dotted (<c>forward</c>, <c>publish</c>, <c>connect</c>).</param>
/// <param name="Allowed">Whether the lane allowed it.</param>
/// <param name="ReasonCode">The refusal code when refused; empty when allowed.</param>
/// <param name="CorrelationId">The request's correlation id (its trace id).</param>
/// <param name="Traceparent">The W3C traceparent that flowed through, if any.</param>
/// <param name="Bytes">Bytes moved, when the lane moved any.</param>
/// <param name="Duration">Time the lane spent on the request, when it applies.</param>
/// <param name="Attributes">
/// What else the lane knows (method, endpoint, status, resolved address, mode...): lower_snake keys, short values,
/// stored under the audit row's <c>details.attributes</c>. The writer keeps at most
/// <see cref="DecisionAuditWriter.MaxAttributes"/> and bounds their lengths.
/// </param>
/// <param name="Items">
/// When the record stands for several like decisions of one request (every stored event of one type in a batch publish):
/// one attribute set per decision, in order, with what differs between them; stored under the audit row's
/// <c>details.items</c>. At most <see cref="Contracts.Audit.DecisionMessages.MaxItems"/>: a lane writes several records
/// for more. Each is bounded like <paramref name="Attributes"/>.
/// </param>
public sealed record LaneDecision(
    string PluginId,
    Lane Lane,
    string Target,
    string Action,
    bool Allowed,
    string ReasonCode,
    string CorrelationId,
    string? Traceparent = null,
    long? Bytes = null,
    TimeSpan? Duration = null,
    IReadOnlyDictionary<string, string>? Attributes = null,
    IReadOnlyList<IReadOnlyDictionary<string, string>>? Items = null);

/// <summary>What became of a decision handed to <see cref="DecisionAuditWriter.Write"/>.</summary>
public enum DecisionAuditResult
{
    /// <summary>Buffered; the publisher sends it to JetStream and retries until it is acknowledged.</summary>
    Accepted,

    /// <summary>
    /// The buffer was full and the lane fails closed (<see cref="BufferFullPolicy.FailClosed"/>): the lane must refuse
    /// the request, since it cannot be audited. Counted.
    /// </summary>
    Refused,

    /// <summary>The buffer was full and the lane drops records (<see cref="BufferFullPolicy.DropAndCount"/>): counted, not audited.</summary>
    Dropped,
}

/// <summary>What a lane does when the audit buffer is full (a per-lane setting).</summary>
public enum BufferFullPolicy
{
    /// <summary>Refuse the request: nothing happens on a lane that is not audited (the default).</summary>
    FailClosed,

    /// <summary>Let the request through, drop its audit record, and count the drop.</summary>
    DropAndCount,
}
