namespace Fabrix.Contracts.Manifests;

/// <summary>Outcome of <see cref="ManifestValidator.Validate(string)"/>: every error and warning at once.</summary>
public sealed class ManifestValidationResult
{
    internal ManifestValidationResult(IReadOnlyList<ManifestIssue> errors, IReadOnlyList<ManifestIssue> warnings, PluginManifest? manifest)
    {
        Errors = errors;
        Warnings = warnings;
        Manifest = errors.Count == 0 ? manifest : null;
    }

    /// <summary>True when there is no error (warnings do not make a manifest invalid).</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Every rule the manifest breaks, in document order of the checks.</summary>
    public IReadOnlyList<ManifestIssue> Errors { get; }

    /// <summary>Findings that do not block the manifest (unknown fields, traits without platform rules, ...).</summary>
    public IReadOnlyList<ManifestIssue> Warnings { get; }

    /// <summary>The typed manifest; non-null exactly when <see cref="IsValid"/> is true.</summary>
    public PluginManifest? Manifest { get; }
}
