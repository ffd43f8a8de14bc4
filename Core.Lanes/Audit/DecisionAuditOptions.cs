using Fabrix.Contracts.Audit.V1;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>Settings under <c>Fabrix:Lanes:Audit</c>: where decision records go and what a full buffer does.</summary>
public sealed class DecisionAuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Fabrix:Lanes:Audit";

    /// <summary>
    /// Subject prefix; a record is published on <c>&lt;prefix&gt;.&lt;lane&gt;</c> (<c>operator</c>, <c>canonical</c>,
    /// <c>proxy</c>). The registry's stream (<c>Fabrix:Registry:Audit:Ingest:Subject</c>) must carry the same prefix.
    /// </summary>
    public string Subject { get; set; } = "fabrix.audit.decisions";

    /// <summary>Records held in memory while JetStream is slow or away; past it, <see cref="WhenFull"/> decides.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>
    /// Publishes awaiting their JetStream acknowledgement at once (each is a round trip to the server). Few are enough:
    /// while they wait, the buffer fills and the next publish takes a batch.
    /// </summary>
    public int PublishConcurrency { get; set; } = 2;

    /// <summary>The most records one message carries (<c>1</c> publishes every record on its own).</summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>The most bytes of records one message carries (a single larger record still goes alone); below NATS's max_payload.</summary>
    public int MaxBatchBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// How long a publish that found fewer than <see cref="MaxBatch"/> records waits for more before it goes out (0: never
    /// waits). Nobody waits on it (<see cref="DecisionAuditWriter.Write"/> returns at once); it only delays the record's
    /// arrival in the audit chain, and turns a trickle of single-record messages into fewer, larger ones, each of which
    /// costs JetStream, the lane and the registry's ingest once. 25 ms: at 5 ms the registry committed a round (five
    /// PostgreSQL round trips) for up to ~160 messages a second per lane service; at 25 ms the registry's and PostgreSQL's
    /// CPU per webhook delivery fell by about a third (benchmarks/README.md, "Measured — eleventh session").
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// How long <see cref="DecisionItemBatcher"/> holds a group's first item for more of the same group before it writes
    /// their one record (a full group, <see cref="Fabrix.Contracts.Audit.DecisionMessages.MaxItems"/> items, is written at
    /// once). Like <see cref="Linger"/>, nobody waits on it: it only delays the items' arrival in the audit chain.
    /// </summary>
    public TimeSpan ItemLinger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long one publish waits for its acknowledgement before it counts as failed and is retried.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between retries of a failed publish (the wait doubles from 50 ms up to this).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The name of this core service in each record (<c>DecisionRecord.service</c>).</summary>
    public string Service { get; set; } = "core-lane";

    /// <summary>What each lane does when the buffer is full.</summary>
    public BufferFullPolicies WhenFull { get; set; } = new();
}

/// <summary>A <see cref="BufferFullPolicy"/> per lane, <see cref="BufferFullPolicy.FailClosed"/> unless configured.</summary>
public sealed class BufferFullPolicies
{
    /// <summary>The Operator lane (Core.Gateway).</summary>
    public BufferFullPolicy Operator { get; set; } = BufferFullPolicy.FailClosed;

    /// <summary>The Canonical lane (Core.Events).</summary>
    public BufferFullPolicy Canonical { get; set; } = BufferFullPolicy.FailClosed;

    /// <summary>The Proxy lane (Core.Proxy).</summary>
    public BufferFullPolicy Proxy { get; set; } = BufferFullPolicy.FailClosed;

    /// <summary>The policy of <paramref name="lane"/>.</summary>
    public BufferFullPolicy For(Lane lane) => lane switch
    {
        Lane.Operator => Operator,
        Lane.Canonical => Canonical,
        Lane.Proxy => Proxy,
        _ => BufferFullPolicy.FailClosed,
    };
}

/// <summary>Reports every bad <c>Fabrix:Lanes:Audit</c> key at once.</summary>
internal sealed class DecisionAuditOptionsValidator : IValidateOptions<DecisionAuditOptions>
{
    public ValidateOptionsResult Validate(string? name, DecisionAuditOptions options)
    {
        var failures = new List<string>();
        if (!DecisionSubjects.IsSubjectPrefix(options.Subject))
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:Subject must be a NATS subject without wildcards, such as fabrix.audit.decisions (was '{options.Subject}').");
        }

        if (options.BufferCapacity is < 1 or > 10_000_000)
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:BufferCapacity must be between 1 and 10000000 (was {options.BufferCapacity}).");
        }

        if (options.PublishConcurrency is < 1 or > 4096)
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:PublishConcurrency must be between 1 and 4096 (was {options.PublishConcurrency}).");
        }

        if (options.MaxBatch is < 1 or > Fabrix.Contracts.Audit.DecisionMessages.MaxBatchRecords)
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:MaxBatch must be between 1 and {Fabrix.Contracts.Audit.DecisionMessages.MaxBatchRecords} (was {options.MaxBatch}).");
        }

        if (options.MaxBatchBytes is < 1024 or > 8 * 1024 * 1024)
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:MaxBatchBytes must be between 1024 and 8388608 (was {options.MaxBatchBytes}).");
        }

        if (options.ItemLinger < TimeSpan.Zero || options.ItemLinger > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:ItemLinger must be between 00:00:00 and 00:00:01 (was {options.ItemLinger}).");
        }

        if (options.Linger < TimeSpan.Zero || options.Linger > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:Linger must be between 00:00:00 and 00:00:01 (was {options.Linger}).");
        }

        if (options.PublishTimeout < TimeSpan.FromMilliseconds(100) || options.PublishTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:PublishTimeout must be between 00:00:00.1 and 00:05:00 (was {options.PublishTimeout}).");
        }

        if (options.MaxRetryDelay < TimeSpan.FromMilliseconds(50) || options.MaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:MaxRetryDelay must be between 00:00:00.05 and 00:05:00 (was {options.MaxRetryDelay}).");
        }

        if (string.IsNullOrWhiteSpace(options.Service) || options.Service.Length > 100)
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:Service must name this service in 1-100 characters (was '{options.Service}').");
        }

        if (options.WhenFull is null)
        {
            failures.Add($"{DecisionAuditOptions.SectionName}:WhenFull must set Operator, Canonical and Proxy to FailClosed or DropAndCount.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Subjects of decision records: <c>&lt;prefix&gt;.&lt;lane&gt;</c>.</summary>
public static class DecisionSubjects
{
    /// <summary>The lane's subject token: <c>operator</c>, <c>canonical</c> or <c>proxy</c>.</summary>
    public static string LaneName(Lane lane) => lane switch
    {
        Lane.Operator => "operator",
        Lane.Canonical => "canonical",
        Lane.Proxy => "proxy",
        _ => throw new ArgumentOutOfRangeException(nameof(lane), lane, "A decision names its lane."),
    };

    /// <summary>The subject a record of <paramref name="lane"/> is published on.</summary>
    public static string For(string prefix, Lane lane) => $"{prefix}.{LaneName(lane)}";

    /// <summary>Whether <paramref name="value"/> is a subject without wildcards (dot-separated, non-empty tokens).</summary>
    public static bool IsSubjectPrefix(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 200
        && value.Split('.').All(token => token.Length > 0 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
}
