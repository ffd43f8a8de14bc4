using System.Globalization;
using System.Text.Json;
using Fabrix.Contracts.Platform;
using Semver;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// One validation pass over a manifest. Collects every error and warning (never stops at the first), then
/// builds the typed <see cref="PluginManifest"/> when there is no error. Cross-field rules (trait implications)
/// run on whatever parts could be read, so one bad field does not hide the findings of another.
/// </summary>
internal sealed class ManifestReader
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
        "endpoints", "security", "compliance", "health_check", "resources", "platform",
    };

    private static readonly HashSet<string> s_securityFields = new(StringComparer.Ordinal) { "authentication_required", "data_classification" };
    private static readonly HashSet<string> s_complianceFields = new(StringComparer.Ordinal) { "hipaa_controls", "audit_level" };
    private static readonly HashSet<string> s_healthCheckFields = new(StringComparer.Ordinal) { "type", "port", "path" };
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
        };
        return Result(manifest);
    }

    // ----- identity -----

    private string? ReadId(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.id";
        if (!Required(fields, "id", path, out var element))
        {
            return null;
        }

        var value = ReadString(element, path, int.MaxValue);
        if (value is null)
        {
            return null;
        }

        var problem = PluginIdProblem(value);
        if (problem is not null)
        {
            Error(path, "The plugin id " + problem);
            return null;
        }

        return value;
    }

    /// <summary>Issue 2: 1–64 characters, <c>^[a-z0-9]+(-[a-z0-9]+)*$</c>.</summary>
    internal static string? PluginIdProblem(string value)
    {
        if (value.Length == 0)
        {
            return "must not be empty.";
        }

        if (value.Length > MaxIdLength)
        {
            return $"must be at most {MaxIdLength} characters long, but has {value.Length.ToString(CultureInfo.InvariantCulture)}.";
        }

        // The value is echoed only when it is printable ASCII: it reaches messages, audit rows and logs (issue 7 section 4).
        var shown = value.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E) ? string.Empty : $"'{value}' ";
        var previousHyphen = true;
        foreach (var c in value)
        {
            if (c == '-')
            {
                if (previousHyphen)
                {
                    return $"{shown}must use lowercase letters, digits and single hyphens between them (e.g. user-management).";
                }

                previousHyphen = true;
            }
            else if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                previousHyphen = false;
            }
            else
            {
                return $"{shown}must use lowercase letters, digits and single hyphens between them (e.g. user-management).";
            }
        }

        return previousHyphen
            ? $"{shown}must use lowercase letters, digits and single hyphens between them (e.g. user-management)."
            : null;
    }

    private string? ReadName(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.name";
        if (!Required(fields, "name", path, out var element))
        {
            return null;
        }

        var value = ReadDisplayText(element, path, ManifestBounds.MaxNameLength, "display name");
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Error(path, "The display name must not be empty.");
            return null;
        }

        return value;
    }

    /// <summary>A name or description: bounded, and free of bidirectional controls and invisible characters (<see cref="ManifestText.DisplayProblem"/>).</summary>
    private string? ReadDisplayText(JsonElement element, string path, int maxLength, string what)
    {
        var value = ReadString(element, path, maxLength);
        if (value is not null && ManifestText.DisplayProblem(value) is { } problem)
        {
            Error(path, $"The {what} {problem}.");
            return null;
        }

        return value;
    }

    private string? ReadVersion(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.version";
        if (!Required(fields, "version", path, out var element))
        {
            return null;
        }

        var value = ReadString(element, path, ManifestBounds.MaxVersionLength);
        if (value is null)
        {
            return null;
        }

        // Strict: MAJOR.MINOR.PATCH, no leading 'v', no leading zeros, optional -pre-release and +build.
        if (!SemVersion.TryParse(value, SemVersionStyles.Strict, out _, MaxVersionLength))
        {
            Error(path, $"The version '{value}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.2.0-beta.1).");
            return null;
        }

        return value;
    }

    /// <summary>Issue 3 section 3: optional range of supported Fabrix versions, npm syntax (<see cref="PlatformRange"/>).</summary>
    private string? ReadPlatform(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.platform";
        if (!fields.TryGetValue("platform", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            Error(path, $"The platform must be a string holding a range of Fabrix versions (e.g. \">=1.0.0 <2.0.0\" or \"^1.2\"), but it is {Describe(element)}.");
            return null;
        }

        var value = ReadString(element, path, int.MaxValue);
        if (value is null)
        {
            return null;
        }

        if (!PlatformRange.TryParse(value, out _, out var problem))
        {
            Error(path, $"The platform range '{value}' {problem}.");
            return null;
        }

        return value;
    }

    // ----- contracts, traits, dependencies -----

    private List<string>? ReadContracts(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.contracts";
        if (!Required(fields, "contracts", path, out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxContracts, MaxVocabularyLength, "contracts");
        if (items is null)
        {
            return null;
        }

        if (items.Count == 0)
        {
            Error(path, "At least one contract is required (" + string.Join(", ", ManifestVocabulary.Contracts) + ").");
        }

        var contracts = new List<string>();
        var ok = items.Count > 0;
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                ok = false;
            }
            else if (!ManifestVocabulary.Contracts.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"Unknown contract '{value}'; expected one of " + string.Join(", ", ManifestVocabulary.Contracts) + ".");
                ok = false;
            }
            else if (contracts.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The contract '{value}' is listed more than once.");
                ok = false;
            }
            else
            {
                contracts.Add(value);
            }
        }

        return ok ? contracts : null;
    }

    /// <summary>Returns the well-formed, distinct traits (even when others are bad), or null when there is no array.</summary>
    private List<string>? ReadTraits(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.traits";
        if (!Required(fields, "traits", path, out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxTraits, ManifestBounds.MaxTraitLength, "traits");
        if (items is null)
        {
            return null;
        }

        if (items.Count == 0)
        {
            Error(path, "At least one trait is required (e.g. handles_pii, audit_required).");
        }

        var traits = new List<string>();
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                continue;
            }

            if (!IsSnakeCase(value))
            {
                Error(itemPath, $"The trait '{value}' must be a snake_case identifier (lowercase letters, digits, single underscores, starting with a letter).");
            }
            else if (ManifestVocabulary.ForbiddenTraits.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The trait '{value}' is reserved and may not be claimed by a plugin.");
            }
            else if (traits.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The trait '{value}' is listed more than once.");
            }
            else
            {
                if (!ManifestVocabulary.RuleTraits.Contains(value, StringComparer.Ordinal))
                {
                    Warning(itemPath, $"The trait '{value}' carries no platform rule; it is recorded but not enforced.");
                }

                traits.Add(value);
            }
        }

        return traits;
    }

    internal static bool IsSnakeCase(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterLower(value[0]) || value[^1] == '_')
        {
            return false;
        }

        var previousUnderscore = false;
        foreach (var c in value)
        {
            if (c == '_')
            {
                if (previousUnderscore)
                {
                    return false;
                }

                previousUnderscore = true;
            }
            else if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                previousUnderscore = false;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private List<string>? ReadDependencies(Dictionary<string, JsonElement> fields, string? id)
    {
        const string path = "$.dependencies";
        if (!fields.TryGetValue("dependencies", out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxDependencies, ManifestBounds.MaxIdLength, "dependencies");
        if (items is null)
        {
            return null;
        }

        var dependencies = new List<string>();
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                continue;
            }

            var problem = PluginIdProblem(value);
            if (problem is not null)
            {
                Error(itemPath, "The dependency " + problem);
            }
            else if (id is not null && value == id)
            {
                Error(itemPath, $"The plugin '{id}' cannot depend on itself.");
            }
            else if (dependencies.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The dependency '{value}' is listed more than once.");
            }
            else
            {
                dependencies.Add(value);
            }
        }

        return dependencies;
    }

    // ----- network -----

    private List<string>? ReadAllowedDomains(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.allowed_domains";
        if (!fields.TryGetValue("allowed_domains", out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxAllowedDomains, AllowedDomain.MaxLength, "allowed domains");
        if (items is null)
        {
            return null;
        }

        var domains = new List<string>();
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                continue;
            }

            var problem = AllowedDomain.Problem(value, out var normalized);
            if (problem is not null)
            {
                Error(itemPath, $"The allowed domain '{value}' {problem}.");
            }
            else if (domains.Contains(normalized, StringComparer.Ordinal))
            {
                Error(itemPath, $"The allowed domain '{value}' is listed more than once (names are compared lower-cased).");
            }
            else
            {
                domains.Add(normalized);
            }
        }

        return domains;
    }

    private Dictionary<string, string>? ReadEndpoints(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.endpoints";
        if (!fields.TryGetValue("endpoints", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The endpoints must be an object mapping names to paths, but they are {Describe(element)}.");
            return null;
        }

        var count = 0;
        foreach (var _ in element.EnumerateObject())
        {
            count++;
        }

        if (count > ManifestBounds.MaxEndpoints)
        {
            Error(path, $"There are {Count(count)} endpoints; at most {Count(ManifestBounds.MaxEndpoints)} are allowed.");
            return null;
        }

        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var key = PropertyName(property, path, out var entryPath);
            if (key is null)
            {
                continue;
            }

            if (key.Length == 0)
            {
                Error(entryPath, "An endpoint name must not be empty.");
                continue;
            }

            if (ManifestText.CodePointLength(key) > ManifestBounds.MaxEndpointNameLength)
            {
                Error(entryPath, $"An endpoint name may have at most {Count(ManifestBounds.MaxEndpointNameLength)} characters.");
                continue;
            }

            if (!seen.Add(key))
            {
                Error(entryPath, $"The endpoint '{key}' is declared more than once.");
                continue;
            }

            var value = ReadString(property.Value, entryPath, ManifestBounds.MaxPathLength);
            if (value is null)
            {
                continue;
            }

            var problem = EndpointPath.Problem(value);
            if (problem is not null)
            {
                Error(entryPath, $"The path of endpoint '{key}' {problem}.");
                continue;
            }

            endpoints.Add(key, value);
        }

        return endpoints;
    }

    // ----- security and compliance -----

    private sealed record SecurityParts(List<string>? Classification);

    private SecurityParts ReadSecurity(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.security";
        if (!Required(fields, "security", path, out var element))
        {
            return new SecurityParts(null);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The security section must be an object, but it is {Describe(element)}.");
            return new SecurityParts(null);
        }

        var security = Members(element, path, s_securityFields);

        const string authPath = "$.security.authentication_required";
        if (Required(security, "authentication_required", authPath, out var auth))
        {
            if (auth.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                Error(authPath, $"authentication_required must be the boolean true, but it is {Describe(auth)}.");
            }
            else if (auth.ValueKind == JsonValueKind.False)
            {
                Error(authPath, "authentication_required must be true: every plugin endpoint requires authentication.");
            }
        }

        const string classificationPath = "$.security.data_classification";
        List<string>? classification = null;
        if (Required(security, "data_classification", classificationPath, out var classes))
        {
            var items = ReadStringArray(classes, classificationPath, ManifestBounds.MaxDataClassifications, MaxVocabularyLength, "data classifications");
            if (items is not null)
            {
                if (items.Count == 0)
                {
                    Error(classificationPath, "At least one data classification is required (" + string.Join(", ", ManifestVocabulary.DataClassifications) + ").");
                }

                classification = [];
                foreach (var (value, itemPath) in items)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (!ManifestVocabulary.DataClassifications.Contains(value, StringComparer.Ordinal))
                    {
                        Error(itemPath, $"Unknown data classification '{value}'; expected one of " + string.Join(", ", ManifestVocabulary.DataClassifications) + ".");
                    }
                    else if (classification.Contains(value, StringComparer.Ordinal))
                    {
                        Error(itemPath, $"The data classification '{value}' is listed more than once.");
                    }
                    else
                    {
                        classification.Add(value);
                    }
                }
            }
        }

        return new SecurityParts(classification);
    }

    private sealed record ComplianceParts(List<string>? HipaaControls, string? AuditLevel);

    private ComplianceParts? ReadCompliance(Dictionary<string, JsonElement> fields, out bool declared)
    {
        const string path = "$.compliance";
        declared = fields.TryGetValue("compliance", out var element);
        if (!declared)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The compliance section must be an object, but it is {Describe(element)}.");
            return null;
        }

        var compliance = Members(element, path, s_complianceFields);

        List<string>? controls = null;
        const string controlsPath = "$.compliance.hipaa_controls";
        if (compliance.TryGetValue("hipaa_controls", out var controlsElement))
        {
            var items = ReadStringArray(controlsElement, controlsPath, ManifestBounds.MaxHipaaControls, ManifestBounds.MaxHipaaControlLength, "HIPAA controls");
            if (items is not null)
            {
                controls = [];
                foreach (var (value, itemPath) in items)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (!CfrCitation.IsValid(value))
                    {
                        Error(itemPath, $"The HIPAA control '{value}' is not a CFR citation such as 164.312(a) or 164.312(a)(2)(iv).");
                    }
                    else if (controls.Contains(value, StringComparer.Ordinal))
                    {
                        Error(itemPath, $"The HIPAA control '{value}' is listed more than once.");
                    }
                    else
                    {
                        controls.Add(value);
                    }
                }
            }
        }

        string? auditLevel = null;
        const string auditPath = "$.compliance.audit_level";
        if (compliance.TryGetValue("audit_level", out var auditElement))
        {
            var value = ReadString(auditElement, auditPath, MaxVocabularyLength);
            if (value is not null)
            {
                if (ManifestVocabulary.AuditLevels.Contains(value, StringComparer.Ordinal))
                {
                    auditLevel = value;
                }
                else
                {
                    Error(auditPath, $"Unknown audit level '{value}'; expected one of " + string.Join(", ", ManifestVocabulary.AuditLevels) + ".");
                }
            }
        }

        return new ComplianceParts(controls, auditLevel);
    }

    /// <summary>
    /// Seed 004 "Trait consistency" and "Compliance". <c>audit_required</c> (left open by the seed) demands a
    /// declared <c>compliance.audit_level</c> other than <c>none</c>: a plugin that asks to be audited must say how.
    /// </summary>
    private void CheckTraitRules(List<string>? traits, SecurityParts security, ComplianceParts? compliance, bool complianceDeclared, List<string>? allowedDomains)
    {
        var has = (string trait) => traits is not null && traits.Contains(trait, StringComparer.Ordinal);
        var classification = security.Classification;
        const string classificationPath = "$.security.data_classification";
        const string compliancePath = "$.compliance";
        const string auditPath = "$.compliance.audit_level";

        if (has(ManifestVocabulary.Traits.HandlesPii) && classification is not null && !classification.Contains("pii"))
        {
            Error(classificationPath, "The data classification must include 'pii' because the plugin has the trait handles_pii.");
        }

        if (has(ManifestVocabulary.Traits.HandlesPhi))
        {
            if (classification is not null && !classification.Contains("phi"))
            {
                Error(classificationPath, "The data classification must include 'phi' because the plugin has the trait handles_phi.");
            }

            if (!complianceDeclared)
            {
                Error(compliancePath, "A compliance section with hipaa_controls is required because the plugin has the trait handles_phi.");
            }
            else if (compliance is not null && compliance.HipaaControls is { Count: 0 } or null && !HasBadControls(compliance))
            {
                Error("$.compliance.hipaa_controls", "At least one HIPAA control (e.g. 164.312(a)) is required because the plugin has the trait handles_phi.");
            }
        }

        var sensitive = classification?.Where(c => c is "pii" or "phi").ToList() ?? [];
        if (sensitive.Count > 0)
        {
            var which = string.Join(" and ", sensitive);
            if (!complianceDeclared)
            {
                Error(compliancePath, $"A compliance section with an audit_level of detailed or complete is required for {which} data.");
            }
            else if (compliance is not null && compliance.AuditLevel is not ("detailed" or "complete") && !HasBadAuditLevel())
            {
                Error(auditPath, compliance.AuditLevel is null
                    ? $"An audit_level of detailed or complete is required for {which} data."
                    : $"The audit_level '{compliance.AuditLevel}' is too low for {which} data; use detailed or complete.");
            }
        }

        if (has(ManifestVocabulary.Traits.AuditRequired))
        {
            if (!complianceDeclared)
            {
                Error(compliancePath, "A compliance section with an audit_level other than none is required because the plugin has the trait audit_required.");
            }
            else if (compliance is not null && compliance.AuditLevel is null or "none" && !HasBadAuditLevel())
            {
                Error(auditPath, "An audit_level other than none is required because the plugin has the trait audit_required.");
            }
        }

        if (has(ManifestVocabulary.Traits.ExternalService) && (allowedDomains is null || allowedDomains.Count == 0) && !HasErrorUnder("$.allowed_domains"))
        {
            Error("$.allowed_domains", "At least one allowed domain is required because the plugin has the trait external_service.");
        }
        else if (!has(ManifestVocabulary.Traits.ExternalService) && allowedDomains is { Count: > 0 })
        {
            Warning("$.allowed_domains", "allowed_domains has no effect without the trait external_service.");
        }

        bool HasBadControls(ComplianceParts parts) => parts.HipaaControls is null ? HasErrorUnder("$.compliance.hipaa_controls") : HasErrorUnder("$.compliance.hipaa_controls[");
        bool HasBadAuditLevel() => HasErrorUnder(auditPath);
    }

    // ----- health and resources -----

    private ManifestHealthCheck? ReadHealthCheck(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.health_check";
        if (!fields.TryGetValue("health_check", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"health_check must be an object, but it is {Describe(element)}.");
            return null;
        }

        var members = Members(element, path, s_healthCheckFields);
        var ok = true;

        string? type = null;
        const string typePath = "$.health_check.type";
        if (Required(members, "type", typePath, out var typeElement))
        {
            type = ReadString(typeElement, typePath, MaxVocabularyLength);
            if (type is not null && !ManifestVocabulary.HealthCheckTypes.Contains(type, StringComparer.Ordinal))
            {
                Error(typePath, $"Unknown health check type '{type}'; expected http or grpc.");
                type = null;
            }
        }

        ok &= type is not null;

        int port = 0;
        const string portPath = "$.health_check.port";
        if (Required(members, "port", portPath, out var portElement))
        {
            if (portElement.ValueKind != JsonValueKind.Number)
            {
                Error(portPath, $"The port must be an integer between {MinPort} and {MaxPort}, but it is {Describe(portElement)}.");
                ok = false;
            }
            else if (!portElement.TryGetInt32(out port) || port is < MinPort or > MaxPort)
            {
                Error(portPath, $"The port must be an integer between {MinPort} and {MaxPort}, but it is {portElement.GetRawText()}.");
                ok = false;
            }
        }
        else
        {
            ok = false;
        }

        string? healthPath = null;
        const string pathPath = "$.health_check.path";
        if (members.TryGetValue("path", out var pathElement))
        {
            healthPath = ReadString(pathElement, pathPath, ManifestBounds.MaxPathLength);
            var problem = healthPath is null ? null : EndpointPath.Problem(healthPath);
            if (problem is not null)
            {
                Error(pathPath, $"The health check path {problem}.");
            }

            ok &= healthPath is not null && problem is null;
        }
        else if (type == "http")
        {
            Error(pathPath, "An http health check needs a path (e.g. /health).");
            ok = false;
        }

        return ok ? new ManifestHealthCheck(type!, port, healthPath) : null;
    }

    private ManifestResources? ReadResources(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.resources";
        if (!fields.TryGetValue("resources", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"resources must be an object, but it is {Describe(element)}.");
            return null;
        }

        var members = Members(element, path, s_resourcesFields);
        var memory = ReadLimit(members, "memory_limit", MinMemoryLimit, MaxMemoryLimit, "MB");
        var cpu = ReadLimit(members, "cpu_limit", MinCpuLimit, MaxCpuLimit, "cores");
        return new ManifestResources(memory, cpu);
    }

    private double? ReadLimit(Dictionary<string, JsonElement> members, string name, double min, double max, string unit)
    {
        var path = "$.resources." + name;
        if (!members.TryGetValue(name, out var element))
        {
            return null;
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"between {min} and {max} {unit}");
        if (element.ValueKind != JsonValueKind.Number)
        {
            Error(path, $"{name} must be a number {range}, but it is {Describe(element)}.");
            return null;
        }

        if (!element.TryGetDouble(out var value) || !double.IsFinite(value) || value < min || value > max)
        {
            Error(path, $"{name} must be {range}, but it is {element.GetRawText()}.");
            return null;
        }

        return value;
    }

    // ----- JSON plumbing -----

    /// <summary>The members of an object; duplicate keys are errors and unknown keys warnings.</summary>
    private Dictionary<string, JsonElement> Members(JsonElement element, string path, HashSet<string> known)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var name = PropertyName(property, path, out var memberPath);
            if (name is null)
            {
                continue;
            }

            if (!members.TryAdd(name, property.Value))
            {
                Error(memberPath, $"The property '{name}' appears more than once; a manifest must be unambiguous.");
            }
            else if (!known.Contains(name))
            {
                Warning(memberPath, $"Unknown property '{name}' is ignored.");
                CheckUnknown(property.Value, memberPath);
            }
        }

        return members;
    }

    private string? PropertyName(JsonProperty property, string parentPath, out string path)
    {
        try
        {
            var name = property.Name;
            if (ManifestText.CodePointLength(name) > ManifestBounds.MaxPropertyNameLength)
            {
                path = parentPath;
                Error(parentPath, $"A property name is longer than {Count(ManifestBounds.MaxPropertyNameLength)} characters.");
                return null;
            }

            if (ManifestText.ControlProblem(name) is { } problem)
            {
                path = parentPath;
                Error(parentPath, "A property name " + problem + ".");
                return null;
            }

            path = JsonPath.Property(parentPath, name);
            return name;
        }
        catch (InvalidOperationException)
        {
            path = parentPath;
            Error(parentPath, "A property name contains invalid Unicode (an unpaired surrogate).");
            return null;
        }
    }

    private bool Required(Dictionary<string, JsonElement> fields, string name, string path, out JsonElement element)
    {
        if (fields.TryGetValue(name, out element))
        {
            return true;
        }

        Error(path, $"The required property '{name}' is missing.");
        return false;
    }

    /// <summary>
    /// A string value, or null after an error: not a string, invalid Unicode, a control character (issue 7 section 4:
    /// refused in every string), or longer than <paramref name="maxLength"/> code points.
    /// </summary>
    private string? ReadString(JsonElement element, string path, int maxLength)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            Error(path, $"Expected a string, but found {Describe(element)}.");
            return null;
        }

        string value;
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            Error(path, "The string contains invalid Unicode (an unpaired surrogate).");
            return null;
        }

        var length = ManifestText.CodePointLength(value);
        if (length > maxLength)
        {
            Error(path, $"The string is {Count(length)} characters long; at most {Count(maxLength)} are allowed here.");
            return null;
        }

        if (ManifestText.ControlProblem(value) is { } problem)
        {
            Error(path, "The string " + problem + ".");
            return null;
        }

        return value;
    }

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>
    /// The values of a member the validator does not know: never interpreted, but still text of the manifest, so
    /// control characters and over-long property names are refused there too (issue 7 section 4).
    /// </summary>
    private void CheckUnknown(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                ReadString(element, path, int.MaxValue);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckUnknown(item, JsonPath.Index(path, index++));
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (PropertyName(property, path, out var memberPath) is not null)
                    {
                        CheckUnknown(property.Value, memberPath);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Items of an array of strings with their paths; a null value marks an item that is not a string (or is too long,
    /// or holds a control character). More than <paramref name="maxItems"/> items is one error at the array, and no item
    /// is looked at: the count bound is checked before any per-item work (issue 7 section 3).
    /// </summary>
    private List<(string? Value, string Path)>? ReadStringArray(JsonElement element, string path, int maxItems, int maxItemLength, string itemsName)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            Error(path, $"Expected an array of strings, but found {Describe(element)}.");
            return null;
        }

        var count = element.GetArrayLength();
        if (count > maxItems)
        {
            Error(path, $"There are {Count(count)} {itemsName}; at most {Count(maxItems)} are allowed.");
            return null;
        }

        var items = new List<(string? Value, string Path)>(count);
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var itemPath = JsonPath.Index(path, index++);
            items.Add((ReadString(item, itemPath, maxItemLength), itemPath));
        }

        return items;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

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
