using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>Settings under <c>Fabrix:Registry:Audit:Ingest</c>: the lanes' decision stream and how it is consumed.</summary>
internal sealed class DecisionIngestOptions
{
    public const string SectionName = "Fabrix:Registry:Audit:Ingest";

    /// <summary>Whether this registry consumes lane decisions (every replica may: they share one durable consumer).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The JetStream stream of decision records (file storage, work-queue retention: a record leaves the stream when the
    /// registry acknowledged it, after its commit). Created or updated by the registry at start.
    /// </summary>
    public string Stream { get; set; } = "FABRIX_LANE_DECISIONS";

    /// <summary>Subject prefix; the stream holds <c>&lt;prefix&gt;.&gt;</c>. Lanes publish with the same prefix (<c>Fabrix:Lanes:Audit:Subject</c>).</summary>
    public string Subject { get; set; } = "fabrix.audit.decisions";

    /// <summary>The durable pull consumer every registry replica pulls from.</summary>
    public string Consumer { get; set; } = "registry-audit-ingest";

    /// <summary>Most records appended in one transaction (one commit, one fsync).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long a delivered record may stay unacknowledged before JetStream delivers it again (a registry that died
    /// between its commit and its acknowledgements): the redelivery is found by record id and only acknowledged.
    /// </summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one wait for the next record lasts when the stream is empty (then it waits again).</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When a record arrives after the stream was empty, how long the registry waits for more before appending: decisions
    /// that trickle in (a lane's single calls, tens of messages a second) then share a transaction and a commit instead
    /// of one round each (a fetch, a transaction with its fsync, the acknowledgements). It only delays the audit row,
    /// never what a lane answers; a busy stream is read without waiting. <c>00:00:00</c>: no wait.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long JetStream remembers a record id to refuse a second publish of it (the lanes' retries).</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Reports every bad <c>Fabrix:Registry:Audit:Ingest</c> key at once.</summary>
internal sealed class DecisionIngestOptionsValidator : IValidateOptions<DecisionIngestOptions>
{
    public ValidateOptionsResult Validate(string? name, DecisionIngestOptions options)
    {
        var failures = new List<string>();
        var section = DecisionIngestOptions.SectionName;
        if (!IsToken(options.Stream, allowDots: false))
        {
            failures.Add($"{section}:Stream must be a JetStream stream name (letters, digits, '-' and '_'; was '{options.Stream}').");
        }

        if (!IsToken(options.Subject, allowDots: true) || options.Subject.StartsWith('.') || options.Subject.EndsWith('.') || options.Subject.Contains("..", StringComparison.Ordinal))
        {
            failures.Add($"{section}:Subject must be a NATS subject without wildcards, such as fabrix.audit.decisions (was '{options.Subject}').");
        }

        if (!IsToken(options.Consumer, allowDots: false))
        {
            failures.Add($"{section}:Consumer must be a JetStream consumer name (letters, digits, '-' and '_'; was '{options.Consumer}').");
        }

        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"{section}:BatchSize must be between 1 and 10000 (was {options.BatchSize}).");
        }

        if (options.AckWait < TimeSpan.FromSeconds(1) || options.AckWait > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:AckWait must be between 00:00:01 and 01:00:00 (was {options.AckWait}).");
        }

        if (options.IdleWait < TimeSpan.FromSeconds(1) || options.IdleWait > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{section}:IdleWait must be between 00:00:01 and 00:01:00 (was {options.IdleWait}).");
        }

        if (options.Linger < TimeSpan.Zero || options.Linger > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{section}:Linger must be between 00:00:00 and 00:00:01 (was {options.Linger}).");
        }

        if (options.DuplicateWindow < TimeSpan.FromSeconds(1) || options.DuplicateWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:DuplicateWindow must be between 00:00:01 and 1.00:00:00 (was {options.DuplicateWindow}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsToken(string? value, bool allowDots) =>
        !string.IsNullOrEmpty(value) && value.Length <= 200 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (allowDots && c == '.'));
}
