namespace Fabrix.Contracts.Manifests;

/// <summary>
/// The closed vocabularies of the manifest (seed 004, issue 2 section 3). The JSON Schema in
/// <c>Contracts/schemas/plugin-manifest.schema.json</c> repeats them; a test keeps the two in step.
/// </summary>
public static class ManifestVocabulary
{
    /// <summary>Plugin categories of seed 004.</summary>
    public static IReadOnlyList<string> Contracts { get; } =
        ["IdentityPlugin", "StoragePlugin", "CommunicationPlugin", "ProcessingPlugin", "IntegrationPlugin"];

    /// <summary>Allowed values of <c>security.data_classification</c>.</summary>
    public static IReadOnlyList<string> DataClassifications { get; } = ["public", "internal", "confidential", "pii", "phi"];

    /// <summary>Allowed values of <c>compliance.audit_level</c>, from least to most detailed.</summary>
    public static IReadOnlyList<string> AuditLevels { get; } = ["none", "basic", "detailed", "complete"];

    /// <summary>Traits that would claim platform privileges; always rejected.</summary>
    public static IReadOnlyList<string> ForbiddenTraits { get; } = ["admin", "root", "system"];

    /// <summary>Traits the platform attaches rules to; any other well-formed trait only earns a warning.</summary>
    public static IReadOnlyList<string> RuleTraits { get; } = [Traits.HandlesPii, Traits.HandlesPhi, Traits.AuditRequired, Traits.ExternalService];

    /// <summary>Health check types.</summary>
    public static IReadOnlyList<string> HealthCheckTypes { get; } = ["http", "grpc"];

    /// <summary>Names of the traits that carry platform rules.</summary>
    public static class Traits
    {
        /// <summary>Handles personally identifiable information: classification must include <c>pii</c>.</summary>
        public const string HandlesPii = "handles_pii";

        /// <summary>Handles protected health information: <c>phi</c> classification and HIPAA controls.</summary>
        public const string HandlesPhi = "handles_phi";

        /// <summary>Must be audited: <c>compliance.audit_level</c> other than <c>none</c>.</summary>
        public const string AuditRequired = "audit_required";

        /// <summary>Calls the internet through the proxy lane: non-empty <c>allowed_domains</c>.</summary>
        public const string ExternalService = "external_service";
    }
}
