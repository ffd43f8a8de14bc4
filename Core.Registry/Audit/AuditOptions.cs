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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
