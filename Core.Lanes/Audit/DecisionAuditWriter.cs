using System.Threading.Channels;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Platform;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// Where every lane decision goes (issue 9 section 4). <see cref="Write"/> never waits: it stamps the record (a
/// UUIDv7 id, the time) and puts it into a bounded in-memory buffer, which <see cref="DecisionAuditPublisher"/> drains
/// to JetStream in the background (acknowledged publishes, <c>Nats-Msg-Id</c> = record id, retried until stored).
/// When the buffer is full, the lane's <see cref="BufferFullPolicy"/> decides: fail closed (the caller must refuse the
/// request) or drop and count. Either way the metrics and the health check show it.
/// </summary>
public sealed class DecisionAuditWriter
{
    private readonly Channel<DecisionRecord> _buffer;
    private readonly DecisionAuditOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly DecisionAuditMetrics _metrics;
    private long _lastFullTicks;

    internal DecisionAuditWriter(IOptions<DecisionAuditOptions> options, TimeProvider timeProvider, DecisionAuditMetrics metrics)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _buffer = Channel.CreateBounded<DecisionRecord>(new BoundedChannelOptions(_options.BufferCapacity)
        {
            // TryWrite on a full buffer returns false at once (it never waits): the lane's policy decides.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        metrics.ObserveBuffered(() => _buffer.Reader.Count);
    }

    /// <summary>Records waiting in the buffer (not yet handed to a publish).</summary>
    public int Buffered => _buffer.Reader.Count;

    /// <summary>Records dropped because the buffer was full (DropAndCount) since the lane started.</summary>
    public long Dropped => _metrics.DroppedTotal;

    /// <summary>The buffer's capacity.</summary>
    public int Capacity => _options.BufferCapacity;

    /// <summary>When the buffer was last found full (a record dropped or a request refused), if ever.</summary>
    public DateTimeOffset? LastFullAt => Interlocked.Read(ref _lastFullTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    internal ChannelReader<DecisionRecord> Reader => _buffer.Reader;

    /// <summary>
    /// Buffers the audit record of <paramref name="decision"/>. <see cref="DecisionAuditResult.Refused"/> means the lane
    /// must refuse the request it decided on (the buffer is full and the lane fails closed).
    /// </summary>
    public DecisionAuditResult Write(LaneDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var record = ToRecord(decision);
        if (_buffer.Writer.TryWrite(record))
        {
            return DecisionAuditResult.Accepted;
        }

        Interlocked.Exchange(ref _lastFullTicks, _timeProvider.GetUtcNow().UtcTicks);
        if (_options.WhenFull.For(decision.Lane) == BufferFullPolicy.DropAndCount)
        {
            _metrics.Dropped(record.Lane);
            return DecisionAuditResult.Dropped;
        }

        _metrics.Refused(record.Lane);
        return DecisionAuditResult.Refused;
    }

    /// <summary>No more records are accepted (shutdown); what is buffered is still published.</summary>
    internal void Complete() => _buffer.Writer.TryComplete();

    /// <summary>The most attributes one record carries; further ones are left out.</summary>
    public const int MaxAttributes = 16;

    /// <summary>The longest attribute key kept; longer keys are cut.</summary>
    public const int MaxAttributeKeyLength = 64;

    /// <summary>The longest attribute value kept; longer values are cut.</summary>
    public const int MaxAttributeValueLength = 512;

    private static string Bound(string text, int maxLength) => text.Length <= maxLength ? text : text[..maxLength];

    private static void CopyBounded(IReadOnlyDictionary<string, string> from, Google.Protobuf.Collections.MapField<string, string> to)
    {
        foreach (var (key, value) in from)
        {
            if (to.Count == MaxAttributes)
            {
                break;
            }

            if (!string.IsNullOrEmpty(key))
            {
                to[Bound(key, MaxAttributeKeyLength)] = Bound(value ?? string.Empty, MaxAttributeValueLength);
            }
        }
    }

    private DecisionRecord ToRecord(LaneDecision decision)
    {
        if (decision.Items is { Count: > DecisionMessages.MaxItems })
        {
            throw new ArgumentException(
                $"A decision record carries at most {DecisionMessages.MaxItems} items (was {decision.Items.Count}); write several records.", nameof(decision));
        }

        var now = _timeProvider.GetUtcNow();
        var record = new DecisionRecord
        {
            Id = Uuids.NewVersion7(now).ToString(),
            At = Timestamp.FromDateTimeOffset(now),
            PluginId = decision.PluginId ?? string.Empty,
            Lane = decision.Lane,
            Target = decision.Target ?? string.Empty,
            Action = decision.Action ?? string.Empty,
            Outcome = decision.Allowed ? DecisionOutcome.Allowed : DecisionOutcome.Refused,
            ReasonCode = decision.ReasonCode ?? string.Empty,
            CorrelationId = decision.CorrelationId ?? string.Empty,
            Traceparent = decision.Traceparent ?? string.Empty,
            Service = _options.Service,
        };
        if (decision.Bytes is { } bytes)
        {
            record.Bytes = bytes;
        }

        if (decision.Duration is { } duration)
        {
            record.DurationUs = (long)duration.TotalMicroseconds;
        }

        if (decision.Attributes is { Count: > 0 } attributes)
        {
            CopyBounded(attributes, record.Attributes);
        }

        if (decision.Items is { Count: > 0 } items)
        {
            foreach (var item in items)
            {
                var bounded = new DecisionItem();
                if (item is not null)
                {
                    CopyBounded(item, bounded.Attributes);
                }

                record.Items.Add(bounded);
            }
        }

        // Unknown lanes are refused here, where the lane can see it, not by the registry later.
        _ = DecisionSubjects.LaneName(decision.Lane);
        return record;
    }
}
