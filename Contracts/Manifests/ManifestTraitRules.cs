namespace Fabrix.Contracts.Manifests;

/// <summary>What the trait rules look at: the parts of the manifest that could be read, and the findings so far.</summary>
/// <param name="Traits">The well-formed traits; null when there is no readable array.</param>
/// <param name="Classification">The well-formed data classifications; null when they could not be read.</param>
/// <param name="Compliance">The compliance section as read; null when absent or not an object.</param>
/// <param name="ComplianceDeclared">True when the manifest has a <c>compliance</c> member at all.</param>
/// <param name="AllowedDomains">The allowed domains as read; null when absent or unreadable.</param>
/// <param name="HasErrorUnder">True when an error was already reported at or under a JSON path prefix.</param>
internal sealed record TraitFacts(
    IReadOnlyList<string>? Traits,
    IReadOnlyList<string>? Classification,
    ManifestReader.ComplianceParts? Compliance,
    bool ComplianceDeclared,
    IReadOnlyList<string>? AllowedDomains,
    Func<string, bool> HasErrorUnder)
{
    public bool Has(string trait) => Traits is not null && Traits.Contains(trait, StringComparer.Ordinal);

    /// <summary>The sensitive classifications declared (<c>pii</c>, <c>phi</c>), in manifest order.</summary>
    public IReadOnlyList<string> Sensitive => Classification?.Where(c => c is "pii" or "phi").ToList() ?? [];

    /// <summary>"pii", "phi" or "pii and phi": the data a compliance finding is about.</summary>
    public string SensitiveText => string.Join(" and ", Sensitive);

    /// <summary>An audit level was given but already refused on its own; the rules do not pile on.</summary>
    public bool HasBadAuditLevel => HasErrorUnder(ManifestTraitRules.AuditLevelPath);

    /// <summary>The HIPAA controls were already refused on their own (the array, or one of its items).</summary>
    public bool HasBadControls => Compliance?.HipaaControls is null
        ? HasErrorUnder(ManifestTraitRules.HipaaControlsPath)
        : HasErrorUnder(ManifestTraitRules.HipaaControlsPath + "[");
}

/// <summary>One cross-field rule: when it applies, the finding at <see cref="Path"/> says <see cref="Message"/>.</summary>
internal sealed record TraitRule(Func<TraitFacts, bool> Applies, string Path, Func<TraitFacts, string> Message, bool IsWarning = false);

/// <summary>
/// Seed 004 "Trait consistency" and "Compliance" as a table, checked in order. <c>audit_required</c> (left open by the
/// seed) demands a declared <c>compliance.audit_level</c> other than <c>none</c>: a plugin that asks to be audited must
/// say how. A rule whose field was already refused on its own stays quiet, so one mistake is one finding.
/// </summary>
internal static class ManifestTraitRules
{
    public const string ClassificationPath = "$.security.data_classification";
    public const string CompliancePath = "$.compliance";
    public const string AuditLevelPath = "$.compliance.audit_level";
    public const string HipaaControlsPath = "$.compliance.hipaa_controls";
    public const string AllowedDomainsPath = "$.allowed_domains";

    public static IReadOnlyList<TraitRule> All { get; } =
    [
        new(f => f.Has(ManifestVocabulary.Traits.HandlesPii) && f.Classification is not null && !f.Classification.Contains("pii"),
            ClassificationPath, _ => "The data classification must include 'pii' because the plugin has the trait handles_pii."),
        new(f => f.Has(ManifestVocabulary.Traits.HandlesPhi) && f.Classification is not null && !f.Classification.Contains("phi"),
            ClassificationPath, _ => "The data classification must include 'phi' because the plugin has the trait handles_phi."),
        new(f => f.Has(ManifestVocabulary.Traits.HandlesPhi) && !f.ComplianceDeclared,
            CompliancePath, _ => "A compliance section with hipaa_controls is required because the plugin has the trait handles_phi."),
        new(f => f.Has(ManifestVocabulary.Traits.HandlesPhi) && f.ComplianceDeclared
                && f.Compliance is { HipaaControls: null or { Count: 0 } } && !f.HasBadControls,
            HipaaControlsPath, _ => "At least one HIPAA control (e.g. 164.312(a)) is required because the plugin has the trait handles_phi."),
        new(f => f.Sensitive.Count > 0 && !f.ComplianceDeclared,
            CompliancePath, f => $"A compliance section with an audit_level of detailed or complete is required for {f.SensitiveText} data."),
        new(f => f.Sensitive.Count > 0 && f.ComplianceDeclared
                && f.Compliance is { AuditLevel: not ("detailed" or "complete") } && !f.HasBadAuditLevel,
            AuditLevelPath, f => f.Compliance!.AuditLevel is null
                ? $"An audit_level of detailed or complete is required for {f.SensitiveText} data."
                : $"The audit_level '{f.Compliance.AuditLevel}' is too low for {f.SensitiveText} data; use detailed or complete."),
        new(f => f.Has(ManifestVocabulary.Traits.AuditRequired) && !f.ComplianceDeclared,
            CompliancePath, _ => "A compliance section with an audit_level other than none is required because the plugin has the trait audit_required."),
        new(f => f.Has(ManifestVocabulary.Traits.AuditRequired) && f.ComplianceDeclared
                && f.Compliance is { AuditLevel: null or "none" } && !f.HasBadAuditLevel,
            AuditLevelPath, _ => "An audit_level other than none is required because the plugin has the trait audit_required."),
        new(f => f.Has(ManifestVocabulary.Traits.ExternalService) && f.AllowedDomains is null or { Count: 0 } && !f.HasErrorUnder(AllowedDomainsPath),
            AllowedDomainsPath, _ => "At least one allowed domain is required because the plugin has the trait external_service."),
        new(f => !f.Has(ManifestVocabulary.Traits.ExternalService) && f.AllowedDomains is { Count: > 0 },
            AllowedDomainsPath, _ => "allowed_domains has no effect without the trait external_service.", IsWarning: true),
    ];
}
