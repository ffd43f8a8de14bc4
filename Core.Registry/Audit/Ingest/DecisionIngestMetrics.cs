using System.Diagnostics.Metrics;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>
/// Meter <c>Fabrix.Registry.AuditIngest</c>: rows appended, redelivered records skipped, rejected messages, batch
/// commit time, and the backlog (records in the stream not yet delivered, as of the last batch) that the console shows.
/// </summary>
internal sealed class DecisionIngestMetrics
{
    public const string MeterName = "Fabrix.Registry.AuditIngest";

    private readonly Counter<long> _appended;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _batchDuration;
    private long _backlog;
    private long _appendedTotal;
    private long _duplicatesTotal;

    public DecisionIngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _appended = meter.CreateCounter<long>("fabrix.registry.audit_ingest.appended", "{record}", "Lane decisions appended to the audit chain.");
        _duplicates = meter.CreateCounter<long>("fabrix.registry.audit_ingest.duplicates", "{record}", "Redelivered lane decisions the chain already held (acknowledged, not appended).");
        _rejected = meter.CreateCounter<long>("fabrix.registry.audit_ingest.rejected", "{message}", "Messages that were not decision records (terminated).");
        _batchDuration = meter.CreateHistogram<double>("fabrix.registry.audit_ingest.batch.duration", "s", "Time to append and commit one batch.");
        meter.CreateObservableGauge("fabrix.registry.audit_ingest.backlog", () => Backlog, "{record}", "Decision records waiting in the stream.");
    }

    public long Backlog
    {
        get => Interlocked.Read(ref _backlog);
        set => Interlocked.Exchange(ref _backlog, value);
    }

    public long AppendedTotal => Interlocked.Read(ref _appendedTotal);

    public long DuplicatesTotal => Interlocked.Read(ref _duplicatesTotal);

    public void Committed(DecisionAppendResult result, TimeSpan duration)
    {
        Interlocked.Add(ref _appendedTotal, result.Appended);
        Interlocked.Add(ref _duplicatesTotal, result.Duplicates);
        _appended.Add(result.Appended);
        _duplicates.Add(result.Duplicates);
        _batchDuration.Record(duration.TotalSeconds);
    }

    public void Rejected() => _rejected.Add(1);
}
