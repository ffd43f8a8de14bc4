using System.Diagnostics.Metrics;
using Fabrix.Contracts.Audit.V1;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// Meter <c>Fabrix.Lanes.Audit</c>: records buffered, published (and per message), dropped (DropAndCount) and refused (FailClosed) because
/// the buffer was full, and failed publish attempts. The totals also feed <see cref="DecisionAuditHealthCheck"/>.
/// </summary>
internal sealed class DecisionAuditMetrics
{
    public const string MeterName = "Fabrix.Lanes.Audit";

    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _publishFailures;
    private readonly Histogram<int> _batchSize;
    private readonly Meter _meter;
    private Func<int> _buffered = static () => 0;
    private long _publishedTotal;
    private long _droppedTotal;
    private long _refusedTotal;
    private long _publishFailuresTotal;

    public DecisionAuditMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _published = _meter.CreateCounter<long>("fabrix.lanes.audit.published", "{record}", "Decision records JetStream acknowledged.");
        _dropped = _meter.CreateCounter<long>("fabrix.lanes.audit.dropped", "{record}", "Decision records dropped because the buffer was full (DropAndCount).");
        _refused = _meter.CreateCounter<long>("fabrix.lanes.audit.refused", "{request}", "Requests refused because the audit buffer was full (FailClosed).");
        _publishFailures = _meter.CreateCounter<long>("fabrix.lanes.audit.publish_failures", "{attempt}", "Publish attempts that failed and will be retried.");
        _batchSize = _meter.CreateHistogram<int>("fabrix.lanes.audit.batch_size", "{record}", "Decision records per acknowledged JetStream message.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        _meter.CreateObservableUpDownCounter("fabrix.lanes.audit.buffered", () => _buffered(), "{record}", "Decision records waiting to be published.");
    }

    public long PublishedTotal => Interlocked.Read(ref _publishedTotal);

    public long DroppedTotal => Interlocked.Read(ref _droppedTotal);

    public long RefusedTotal => Interlocked.Read(ref _refusedTotal);

    public long PublishFailuresTotal => Interlocked.Read(ref _publishFailuresTotal);

    public void ObserveBuffered(Func<int> buffered) => _buffered = buffered;

    public void Published(int records)
    {
        Interlocked.Add(ref _publishedTotal, records);
        _published.Add(records);
        _batchSize.Record(records);
    }

    public void Dropped(Lane lane)
    {
        Interlocked.Increment(ref _droppedTotal);
        _dropped.Add(1, new KeyValuePair<string, object?>("lane", DecisionSubjects.LaneName(lane)));
    }

    public void Refused(Lane lane)
    {
        Interlocked.Increment(ref _refusedTotal);
        _refused.Add(1, new KeyValuePair<string, object?>("lane", DecisionSubjects.LaneName(lane)));
    }

    public void PublishFailed()
    {
        Interlocked.Increment(ref _publishFailuresTotal);
        _publishFailures.Add(1);
    }
}
