namespace Fabrix.Contracts.Manifests;

/// <summary>
/// Typed view of a manifest that passed <see cref="ManifestValidator"/> (seed 004 "Plugin Manifest &amp; Contract").
/// Optional lists are empty, never null, when the manifest omits them.
/// </summary>
/// <param name="Id">Unique plugin id, e.g. <c>user-management</c>.</param>
/// <param name="Name">Human-readable display name.</param>
/// <param name="Version">Semantic version text exactly as declared, e.g. <c>1.0.0</c>.</param>
/// <param name="Description">Optional short summary.</param>
/// <param name="Contracts">Interface roles (<see cref="ManifestVocabulary.Contracts"/>).</param>
/// <param name="Traits">Capability and compliance flags.</param>
/// <param name="Dependencies">Ids of plugins this plugin requires.</param>
/// <param name="AllowedDomains">Hostnames (optionally <c>*.</c>-prefixed) permitted for proxy egress, lower-cased.</param>
/// <param name="Endpoints">Endpoint name → absolute path.</param>
/// <param name="Security">Security posture.</param>
/// <param name="Compliance">Compliance posture, when declared.</param>
/// <param name="HealthCheck">Health probe, when declared.</param>
/// <param name="Resources">Resource limits, when declared.</param>
public sealed record PluginManifest(
    string Id,
    string Name,
    string Version,
    string? Description,
    IReadOnlyList<string> Contracts,
    IReadOnlyList<string> Traits,
    IReadOnlyList<string> Dependencies,
    IReadOnlyList<string> AllowedDomains,
    IReadOnlyDictionary<string, string> Endpoints,
    ManifestSecurity Security,
    ManifestCompliance? Compliance,
    ManifestHealthCheck? HealthCheck,
    ManifestResources? Resources)
{
    /// <summary>
    /// The range of Fabrix versions the plugin supports, as declared in npm range syntax (e.g. <c>&gt;=1.0.0 &lt;2.0.0</c>
    /// or <c>^1.2</c>; see <see cref="Fabrix.Contracts.Platform.PlatformRange"/>), or null when the manifest declares none (every
    /// version). Checked with <see cref="Fabrix.Contracts.Platform.PlatformCompatibility"/>.
    /// </summary>
    public string? Platform { get; init; }

    /// <summary>The canonical event types the plugin publishes and subscribes to (issue 11 section 1); empty lists when the manifest declares none.</summary>
    public ManifestEvents Events { get; init; } = ManifestEvents.None;

    /// <summary>True when <paramref name="trait"/> is declared.</summary>
    public bool HasTrait(string trait) => Traits.Contains(trait, StringComparer.Ordinal);
}

/// <summary>
/// The manifest's optional <c>events</c> object (issue 11 section 1): canonical event type names
/// (<see cref="Fabrix.Contracts.Canonical.CanonicalEventTypes"/>, e.g. <c>UserCreated</c>), each list distinct, in
/// declaration order.
/// </summary>
/// <param name="Publishes">Types the plugin may publish through Core.Events.</param>
/// <param name="Subscribes">Types the plugin may receive.</param>
public sealed record ManifestEvents(IReadOnlyList<string> Publishes, IReadOnlyList<string> Subscribes)
{
    /// <summary>No events declared.</summary>
    public static ManifestEvents None { get; } = new([], []);

    /// <summary>How the plugin receives its subscribed types (<c>events.delivery</c>); <see cref="EventDelivery.Stream"/> when omitted.</summary>
    public EventDelivery Delivery { get; init; } = EventDelivery.Stream;

    /// <summary>
    /// <c>events.push_path</c>: the absolute path on the plugin's registered address that Core.Events POSTs each delivery
    /// to; set exactly when <see cref="Delivery"/> is <see cref="EventDelivery.Push"/>.
    /// </summary>
    public string? PushPath { get; init; }
}

/// <summary>How a plugin receives canonical events (issue 11 section 3). Changing it is not a permission.</summary>
public enum EventDelivery
{
    /// <summary>The plugin opens Core.Events' gRPC <c>Subscribe</c> stream and acks or nacks each delivery (the default).</summary>
    Stream,

    /// <summary>Core.Events POSTs each delivery to the plugin's address + <c>events.push_path</c>, signed per Standard Webhooks; 2xx acks.</summary>
    Push,
}

/// <summary>The manifest's <c>security</c> object.</summary>
/// <param name="AuthenticationRequired">Always true in a valid manifest.</param>
/// <param name="DataClassification">Non-empty, distinct values from <see cref="ManifestVocabulary.DataClassifications"/>.</param>
public sealed record ManifestSecurity(bool AuthenticationRequired, IReadOnlyList<string> DataClassification);

/// <summary>The manifest's <c>compliance</c> object.</summary>
/// <param name="HipaaControls">CFR citations such as <c>164.312(a)</c>; empty when omitted.</param>
/// <param name="AuditLevel">One of <see cref="ManifestVocabulary.AuditLevels"/>, or null when omitted.</param>
public sealed record ManifestCompliance(IReadOnlyList<string> HipaaControls, string? AuditLevel);

/// <summary>The manifest's <c>health_check</c> object.</summary>
/// <param name="Type"><c>http</c> or <c>grpc</c>.</param>
/// <param name="Port">TCP port, 1–65535.</param>
/// <param name="Path">Absolute path; always set for <c>http</c>.</param>
public sealed record ManifestHealthCheck(string Type, int Port, string? Path);

/// <summary>The manifest's <c>resources</c> object.</summary>
/// <param name="MemoryLimit">Memory limit in MB (64–8192), when declared.</param>
/// <param name="CpuLimit">CPU limit in cores (0.1–8.0), when declared.</param>
public sealed record ManifestResources(double? MemoryLimit, double? CpuLimit);
