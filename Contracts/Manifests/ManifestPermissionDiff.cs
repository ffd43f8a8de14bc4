using System.Globalization;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// What a new version of a plugin's manifest asks for beyond the old one (issue 3 section 3: "An upgrade whose
/// manifest asks for more (new traits, new classifications, new allowed domains, new dependencies) is shown as a
/// permission diff and needs explicit approval"). Everything else that changed — contracts, endpoints, health
/// check, resources, compliance, platform range, and every removal — is reported for information.
/// </summary>
/// <remarks>
/// Items are compared as the validator normalises them (ordinal; allowed domains are already lower-cased). An
/// allowed domain counts as added even when an old wildcard covered it (<c>*.example.com</c> then
/// <c>api.example.com</c>): the diff errs on the side of asking. Added items keep the order of the new manifest,
/// removed items the order of the old one.
/// </remarks>
public sealed record ManifestPermissionDiff
{
    private ManifestPermissionDiff(string pluginId, string fromVersion, string toVersion)
    {
        PluginId = pluginId;
        FromVersion = fromVersion;
        ToVersion = toVersion;
    }

    /// <summary>The plugin both manifests belong to.</summary>
    public string PluginId { get; }

    /// <summary>Version of the old manifest (the one installed or pinned).</summary>
    public string FromVersion { get; }

    /// <summary>Version of the new manifest.</summary>
    public string ToVersion { get; }

    /// <summary>Traits the new manifest declares and the old did not. Needs approval.</summary>
    public IReadOnlyList<string> AddedTraits { get; private init; } = [];

    /// <summary>Traits the old manifest declared and the new does not.</summary>
    public IReadOnlyList<string> RemovedTraits { get; private init; } = [];

    /// <summary>Data classifications new in <c>security.data_classification</c>. Needs approval.</summary>
    public IReadOnlyList<string> AddedDataClassifications { get; private init; } = [];

    /// <summary>Data classifications no longer declared.</summary>
    public IReadOnlyList<string> RemovedDataClassifications { get; private init; } = [];

    /// <summary>Hostnames new in <c>allowed_domains</c>. Needs approval.</summary>
    public IReadOnlyList<string> AddedAllowedDomains { get; private init; } = [];

    /// <summary>Canonical event types new in <c>events.publishes</c>. Needs approval.</summary>
    public IReadOnlyList<string> AddedPublishes { get; private init; } = [];

    /// <summary>Canonical event types no longer in <c>events.publishes</c>.</summary>
    public IReadOnlyList<string> RemovedPublishes { get; private init; } = [];

    /// <summary>Canonical event types new in <c>events.subscribes</c>. Needs approval.</summary>
    public IReadOnlyList<string> AddedSubscribes { get; private init; } = [];

    /// <summary>Canonical event types no longer in <c>events.subscribes</c>.</summary>
    public IReadOnlyList<string> RemovedSubscribes { get; private init; } = [];

    /// <summary>Hostnames no longer in <c>allowed_domains</c>.</summary>
    public IReadOnlyList<string> RemovedAllowedDomains { get; private init; } = [];

    /// <summary>Plugin ids new in <c>dependencies</c>. Needs approval.</summary>
    public IReadOnlyList<string> AddedDependencies { get; private init; } = [];

    /// <summary>Plugin ids no longer in <c>dependencies</c>.</summary>
    public IReadOnlyList<string> RemovedDependencies { get; private init; } = [];

    /// <summary>Contracts (interface roles) the new manifest adds.</summary>
    public IReadOnlyList<string> AddedContracts { get; private init; } = [];

    /// <summary>Contracts the new manifest drops.</summary>
    public IReadOnlyList<string> RemovedContracts { get; private init; } = [];

    /// <summary>Endpoints whose name is new, with their path.</summary>
    public IReadOnlyList<ManifestEndpointChange> AddedEndpoints { get; private init; } = [];

    /// <summary>Endpoints whose name is gone, with their old path.</summary>
    public IReadOnlyList<ManifestEndpointChange> RemovedEndpoints { get; private init; } = [];

    /// <summary>Endpoints kept by name whose path changed.</summary>
    public IReadOnlyList<ManifestEndpointChange> ChangedEndpoints { get; private init; } = [];

    /// <summary>
    /// Informational changes of single-valued sections, in this order when present: <c>health_check</c>,
    /// <c>resources.memory_limit</c>, <c>resources.cpu_limit</c>, <c>compliance.audit_level</c>,
    /// <c>platform</c>, <c>events.delivery</c> (how events arrive is not a permission: <c>stream</c>, or <c>push</c> with its
    /// path); then HIPAA controls added (<c>+</c>) and removed.
    /// </summary>
    public IReadOnlyList<ManifestFieldChange> OtherChanges { get; private init; } = [];

    /// <summary>
    /// True when the new manifest adds a trait, a data classification, an allowed domain, a dependency or an event
    /// type it publishes or subscribes to: the upgrade then needs an administrator's explicit approval (issue 3
    /// section 3; issue 11 section 1).
    /// </summary>
    public bool RequiresApproval =>
        AddedTraits.Count > 0 || AddedDataClassifications.Count > 0 || AddedAllowedDomains.Count > 0 || AddedDependencies.Count > 0
        || AddedPublishes.Count > 0 || AddedSubscribes.Count > 0;

    /// <summary>True when the two manifests differ in nothing this diff covers.</summary>
    public bool IsEmpty => Describe().Count == 0;

    /// <summary>
    /// Computes the diff from <paramref name="from"/> (installed) to <paramref name="to"/> (candidate). Both must be
    /// manifests of the same plugin.
    /// </summary>
    /// <exception cref="ArgumentException">The manifests have different ids.</exception>
    public static ManifestPermissionDiff Compute(PluginManifest from, PluginManifest to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (!string.Equals(from.Id, to.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A permission diff compares two versions of one plugin, but the ids differ ('{from.Id}' and '{to.Id}').", nameof(to));
        }

        return new ManifestPermissionDiff(from.Id, from.Version, to.Version)
        {
            AddedTraits = Added(from.Traits, to.Traits),
            RemovedTraits = Added(to.Traits, from.Traits),
            AddedDataClassifications = Added(from.Security.DataClassification, to.Security.DataClassification),
            RemovedDataClassifications = Added(to.Security.DataClassification, from.Security.DataClassification),
            AddedAllowedDomains = Added(from.AllowedDomains, to.AllowedDomains),
            RemovedAllowedDomains = Added(to.AllowedDomains, from.AllowedDomains),
            AddedPublishes = Added(from.Events.Publishes, to.Events.Publishes),
            RemovedPublishes = Added(to.Events.Publishes, from.Events.Publishes),
            AddedSubscribes = Added(from.Events.Subscribes, to.Events.Subscribes),
            RemovedSubscribes = Added(to.Events.Subscribes, from.Events.Subscribes),
            AddedDependencies = Added(from.Dependencies, to.Dependencies),
            RemovedDependencies = Added(to.Dependencies, from.Dependencies),
            AddedContracts = Added(from.Contracts, to.Contracts),
            RemovedContracts = Added(to.Contracts, from.Contracts),
            AddedEndpoints = [.. to.Endpoints.Where(e => !from.Endpoints.ContainsKey(e.Key)).Select(e => new ManifestEndpointChange(e.Key, null, e.Value))],
            RemovedEndpoints = [.. from.Endpoints.Where(e => !to.Endpoints.ContainsKey(e.Key)).Select(e => new ManifestEndpointChange(e.Key, e.Value, null))],
            ChangedEndpoints =
            [
                .. to.Endpoints
                    .Where(e => from.Endpoints.TryGetValue(e.Key, out var old) && !string.Equals(old, e.Value, StringComparison.Ordinal))
                    .Select(e => new ManifestEndpointChange(e.Key, from.Endpoints[e.Key], e.Value)),
            ],
            OtherChanges = OtherChangesOf(from, to),
        };
    }

    /// <summary>
    /// The diff as human-readable lines, approval-relevant additions first: <c>+ trait handles_phi</c>,
    /// <c>+ data_classification phi</c>, <c>+ domain api.example.com</c>, <c>+ dependency billing</c>, <c>+ publishes UserCreated</c>, <c>+ subscribes PaymentReceived</c>,
    /// <c>+ contract StoragePlugin</c>, <c>+ endpoint claims /api/claims/{id}</c>; then removals (<c>- ...</c>);
    /// then changes (<c>~ endpoint health /health → /healthz</c>, <c>~ resources.memory_limit 512 → 1024</c>).
    /// Empty when nothing changed.
    /// </summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        lines.AddRange(AddedTraits.Select(t => "+ trait " + t));
        lines.AddRange(AddedDataClassifications.Select(c => "+ data_classification " + c));
        lines.AddRange(AddedAllowedDomains.Select(d => "+ domain " + d));
        lines.AddRange(AddedDependencies.Select(d => "+ dependency " + d));
        lines.AddRange(AddedPublishes.Select(t => "+ publishes " + t));
        lines.AddRange(AddedSubscribes.Select(t => "+ subscribes " + t));
        lines.AddRange(AddedContracts.Select(c => "+ contract " + c));
        lines.AddRange(AddedEndpoints.Select(e => $"+ endpoint {e.Name} {e.To}"));
        lines.AddRange(RemovedTraits.Select(t => "- trait " + t));
        lines.AddRange(RemovedDataClassifications.Select(c => "- data_classification " + c));
        lines.AddRange(RemovedAllowedDomains.Select(d => "- domain " + d));
        lines.AddRange(RemovedDependencies.Select(d => "- dependency " + d));
        lines.AddRange(RemovedPublishes.Select(t => "- publishes " + t));
        lines.AddRange(RemovedSubscribes.Select(t => "- subscribes " + t));
        lines.AddRange(RemovedContracts.Select(c => "- contract " + c));
        lines.AddRange(RemovedEndpoints.Select(e => $"- endpoint {e.Name} {e.From}"));
        lines.AddRange(ChangedEndpoints.Select(e => $"~ endpoint {e.Name} {e.From} → {e.To}"));
        lines.AddRange(OtherChanges.Select(c => c.Describe()));
        return lines;
    }

    private static string[] Added(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var old = new HashSet<string>(before, StringComparer.Ordinal);
        return [.. after.Where(item => !old.Contains(item))];
    }

    private static List<ManifestFieldChange> OtherChangesOf(PluginManifest from, PluginManifest to)
    {
        var changes = new List<ManifestFieldChange>();

        void Compare(string field, string? before, string? after)
        {
            if (!string.Equals(before, after, StringComparison.Ordinal))
            {
                changes.Add(new ManifestFieldChange(field, before, after));
            }
        }

        Compare("health_check", Format(from.HealthCheck), Format(to.HealthCheck));
        Compare("resources.memory_limit", Format(from.Resources?.MemoryLimit), Format(to.Resources?.MemoryLimit));
        Compare("resources.cpu_limit", Format(from.Resources?.CpuLimit), Format(to.Resources?.CpuLimit));
        Compare("compliance.audit_level", from.Compliance?.AuditLevel, to.Compliance?.AuditLevel);
        Compare("platform", from.Platform, to.Platform);
        Compare("events.delivery", Format(from.Events), Format(to.Events));

        var oldControls = from.Compliance?.HipaaControls ?? [];
        var newControls = to.Compliance?.HipaaControls ?? [];
        changes.AddRange(Added(oldControls, newControls).Select(c => new ManifestFieldChange("compliance.hipaa_controls", null, c)));
        changes.AddRange(Added(newControls, oldControls).Select(c => new ManifestFieldChange("compliance.hipaa_controls", c, null)));
        return changes;
    }

    private static string? Format(ManifestHealthCheck? check) =>
        check is null ? null : check.Path is null
            ? string.Create(CultureInfo.InvariantCulture, $"{check.Type} port {check.Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{check.Type} port {check.Port} {check.Path}");

    private static string Format(ManifestEvents events) =>
        events.Delivery == EventDelivery.Push ? $"push {events.PushPath}" : "stream";

    private static string? Format(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One endpoint in a <see cref="ManifestPermissionDiff"/>.</summary>
/// <param name="Name">Endpoint name.</param>
/// <param name="From">Path in the old manifest; null when the endpoint is new.</param>
/// <param name="To">Path in the new manifest; null when the endpoint is gone.</param>
public sealed record ManifestEndpointChange(string Name, string? From, string? To);

/// <summary>
/// An informational change in a <see cref="ManifestPermissionDiff"/>. For a single-valued field, null means "not
/// declared"; for a list field (<c>compliance.hipaa_controls</c>) one change per item, null on the side without it.
/// </summary>
/// <param name="Field">JSON path of the field without <c>$.</c>, e.g. <c>resources.memory_limit</c>.</param>
/// <param name="From">Old value, or null.</param>
/// <param name="To">New value, or null.</param>
public sealed record ManifestFieldChange(string Field, string? From, string? To)
{
    /// <summary>
    /// One line: <c>~ field old → new</c>, or <c>+ field value</c> / <c>- field value</c> when one side is absent.
    /// </summary>
    public string Describe() => (From, To) switch
    {
        (null, { } added) => $"+ {Field} {added}",
        ({ } removed, null) => $"- {Field} {removed}",
        _ => $"~ {Field} {From} → {To}",
    };
}
