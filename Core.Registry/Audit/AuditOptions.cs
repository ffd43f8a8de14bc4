using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Audit;

/// <summary>Settings under <c>Fabrix:Registry:Audit</c>.</summary>
internal sealed class AuditOptions
{
    public const string SectionName = "Fabrix:Registry:Audit";

    /// <summary>Seven years (7 × 365 + 2 leap days): the retention HIPAA deployments expect (issue 3 section 4).</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(2557);

    /// <summary>Shortest retention accepted: one year.</summary>
    public static readonly TimeSpan MinimumRetention = TimeSpan.FromDays(365);

    /// <summary>
    /// How long every audit row is kept at least. The registry never deletes audit rows (the table is append-only), so
    /// this is a floor promised to auditors, not a deletion schedule; archiving rows older than this is out of scope.
    /// </summary>
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>How often a signed checkpoint of the chain head is written (only when the head or the signing key moved).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a checkpoint also counts every row up to the last signed checkpoint's row and compares the count with
    /// the signed one (rows deleted under it, with the triggers disabled, make it differ). The count reads the whole
    /// table, so its cost grows with the log (0.6 s of two cores for 5 million rows; lane rates add millions a day).
    /// Between two counts, a checkpoint's row count is the last one's plus the rows it re-verified, which verification
    /// compares with the log's (<see cref="AuditVerifier"/>). Zero counts at every checkpoint. The first checkpoint after
    /// start counts.
    /// </summary>
    public TimeSpan RowCountInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// JetStream stream holding every signed checkpoint (DenyDelete, DenyPurge); created by the registry at start.
    /// One per registry database: two deployments sharing a NATS server need different names and subjects.
    /// </summary>
    public string AnchorStream { get; set; } = "FABRIX_AUDIT_ANCHORS";

    /// <summary>The subject the anchors are published on (the stream's only subject).</summary>
    public string AnchorSubject { get; set; } = "fabrix.audit.anchors";

    /// <summary>
    /// Identical refusals from one source (actor, action, target, refusal code, client address) within this window are
    /// folded: the first is written at once, the repeats as one row with their count when the window closes
    /// (issue 7 section 5).
    /// </summary>
    public TimeSpan RefusalFoldWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Distinct refusal sources counted at once; past it, refusals are written one row each (never dropped).</summary>
    public int RefusalFoldMaxSources { get; set; } = 10_000;
}

/// <summary>Reports every bad <c>Fabrix:Registry:Audit</c> key at once.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var failures = new List<string>();
        if (options.Retention < AuditOptions.MinimumRetention)
        {
            failures.Add($"{AuditOptions.SectionName}:Retention must be at least {AuditOptions.MinimumRetention.TotalDays:0} days (one year); was {options.Retention}. The default is {AuditOptions.DefaultRetention.TotalDays:0} days (seven years).");
        }

        if (options.CheckpointInterval < TimeSpan.FromSeconds(1) || options.CheckpointInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{AuditOptions.SectionName}:CheckpointInterval must be between 00:00:01 and 1.00:00:00 (was {options.CheckpointInterval}).");
        }

        if (options.RowCountInterval < TimeSpan.Zero || options.RowCountInterval > TimeSpan.FromDays(7))
        {
            failures.Add($"{AuditOptions.SectionName}:RowCountInterval must be between 00:00:00 (every checkpoint) and 7.00:00:00 (was {options.RowCountInterval}).");
        }

        if (!IsToken(options.AnchorStream, allowDots: false))
        {
            failures.Add($"{AuditOptions.SectionName}:AnchorStream must be a JetStream stream name (letters, digits, '-' and '_'; was '{options.AnchorStream}').");
        }

        if (!IsToken(options.AnchorSubject, allowDots: true) || options.AnchorSubject.StartsWith('.') || options.AnchorSubject.EndsWith('.') || options.AnchorSubject.Contains("..", StringComparison.Ordinal))
        {
            failures.Add($"{AuditOptions.SectionName}:AnchorSubject must be a NATS subject without wildcards, such as fabrix.audit.anchors (was '{options.AnchorSubject}').");
        }

        if (options.RefusalFoldWindow < TimeSpan.FromSeconds(1) || options.RefusalFoldWindow > TimeSpan.FromHours(1))
        {
            failures.Add($"{AuditOptions.SectionName}:RefusalFoldWindow must be between 00:00:01 and 01:00:00 (was {options.RefusalFoldWindow}).");
        }

        if (options.RefusalFoldMaxSources is < 1 or > 1_000_000)
        {
            failures.Add($"{AuditOptions.SectionName}:RefusalFoldMaxSources must be between 1 and 1000000 (was {options.RefusalFoldMaxSources}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsToken(string? value, bool allowDots) =>
        !string.IsNullOrEmpty(value) && value.Length <= 200 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (allowDots && c == '.'));
}
