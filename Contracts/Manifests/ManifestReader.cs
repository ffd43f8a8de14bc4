using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// One validation pass over a manifest. Collects every error and warning (never stops at the first), then
/// builds the typed <see cref="PluginManifest"/> when there is no error. Cross-field rules (trait implications)
/// run on whatever parts could be read, so one bad field does not hide the findings of another.
/// </summary>
internal sealed partial class ManifestReader
{
    public const int MaxIdLength = ManifestBounds.MaxIdLength;

    /// <summary>
    /// Longest version text the Semver library is asked to parse (its guard against pathological input). Manifests are
    /// bounded tighter (<see cref="ManifestBounds.MaxVersionLength"/>); this one also reads versions stored before that bound.
    /// </summary>
    public const int MaxVersionLength = 1024;

    /// <summary>Longest value of a closed vocabulary (contracts, classifications, levels, types) read before it is compared.</summary>
    private const int MaxVocabularyLength = 64;
    public const int MinPort = 1;
    public const int MaxPort = 65535;
    public const double MinMemoryLimit = 64;
    public const double MaxMemoryLimit = 8192;
    public const double MinCpuLimit = 0.1;
    public const double MaxCpuLimit = 8.0;

    private static readonly HashSet<string> s_rootFields = new(StringComparer.Ordinal)
    {
        "$schema", "id", "name", "version", "description", "contracts", "traits", "dependencies", "allowed_domains",
        "endpoints", "events", "security", "compliance", "health_check", "resources", "platform",
    };

    private static readonly HashSet<string> s_securityFields = new(StringComparer.Ordinal) { "authentication_required", "data_classification" };
    private static readonly HashSet<string> s_complianceFields = new(StringComparer.Ordinal) { "hipaa_controls", "audit_level" };
    private static readonly HashSet<string> s_healthCheckFields = new(StringComparer.Ordinal) { "type", "port", "path" };
    private static readonly HashSet<string> s_eventsFields = new(StringComparer.Ordinal) { "publishes", "subscribes", "delivery", "push_path" };
    private static readonly HashSet<string> s_resourcesFields = new(StringComparer.Ordinal) { "memory_limit", "cpu_limit" };

    private readonly List<ManifestIssue> _errors = [];
    private readonly List<ManifestIssue> _warnings = [];

    public ManifestValidationResult Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            Error(JsonPath.Root, $"The manifest must be a JSON object, but it is {Describe(root)}.");
            return Result(null);
        }

        var fields = Members(root, JsonPath.Root, s_rootFields);

        var schemaPath = JsonPath.Property(JsonPath.Root, "$schema");
        if (fields.TryGetValue("$schema", out var schemaElement))
        {
            ReadString(schemaElement, schemaPath, ManifestBounds.MaxSchemaReferenceLength);
        }

        var id = ReadId(fields);
        var name = ReadName(fields);
        var version = ReadVersion(fields);
        var description = fields.TryGetValue("description", out var descriptionElement)
            ? ReadDisplayText(descriptionElement, "$.description", ManifestBounds.MaxDescriptionLength, "description")
            : null;
        var contracts = ReadContracts(fields);
        var traits = ReadTraits(fields);
        var dependencies = ReadDependencies(fields, id);
        var allowedDomains = ReadAllowedDomains(fields);
        var endpoints = ReadEndpoints(fields);
        var events = ReadEvents(fields, traits);
        var security = ReadSecurity(fields);
        var compliance = ReadCompliance(fields, out var complianceDeclared);
        var healthCheck = ReadHealthCheck(fields);
        var resources = ReadResources(fields);
        var platform = ReadPlatform(fields);

        CheckTraitRules(traits, security, compliance, complianceDeclared, allowedDomains);

        if (_errors.Count > 0)
        {
            return Result(null);
        }

        var manifest = new PluginManifest(
            id!,
            name!,
            version!,
            description,
            contracts!,
            traits!,
            dependencies ?? [],
            allowedDomains ?? [],
            endpoints ?? new Dictionary<string, string>(StringComparer.Ordinal),
            new ManifestSecurity(true, security.Classification!),
            compliance is null ? null : new ManifestCompliance(compliance.HipaaControls ?? [], compliance.AuditLevel),
            healthCheck,
            resources)
        {
            Platform = platform,
            Events = events ?? ManifestEvents.None,
        };
        return Result(manifest);
    }

    private bool HasErrorUnder(string pathPrefix) => _errors.Exists(e => e.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    private void Error(string path, string message) => _errors.Add(new ManifestIssue(path, message));

    private void Warning(string path, string message) => _warnings.Add(new ManifestIssue(path, message));

    private ManifestValidationResult Result(PluginManifest? manifest) => new(Capped(_errors, "error"), Capped(_warnings, "warning"), manifest);

    /// <summary>At most <see cref="ManifestBounds.MaxIssues"/> findings, then one that counts the rest: responses and audit rows stay bounded.</summary>
    private static ManifestIssue[] Capped(List<ManifestIssue> issues, string kind)
    {
        if (issues.Count <= ManifestBounds.MaxIssues)
        {
            return [.. issues];
        }

        var rest = issues.Count - ManifestBounds.MaxIssues;
        return [.. issues.Take(ManifestBounds.MaxIssues), new ManifestIssue(JsonPath.Root, $"{Count(rest)} more {kind}(s) not shown.")];
    }
}
