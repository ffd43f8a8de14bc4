namespace Fabrix.Contracts.Manifests;

/// <summary>
/// The size, length and count bounds of a manifest (issue 7 section 3: one 3 MB description made the plugin list
/// unreadable for every administrator; 100,000 traits took 18 s to validate). The validator refuses anything beyond
/// them before it looks further, and the JSON Schema states the same numbers (a test keeps them in step). Lengths
/// are counted in Unicode code points, as JSON Schema's <c>maxLength</c> is.
/// </summary>
/// <remarks>
/// The numbers keep one plugin summary (name, version, description, contracts, traits, dependencies) under about
/// 16 KB even in four-byte UTF-8, so a full page of 200 summaries stays well inside a client's default 4 MB message.
/// </remarks>
public static class ManifestBounds
{
    /// <summary>Largest manifest accepted, in bytes of UTF-8 (64 KiB).</summary>
    public const int MaxManifestBytes = 64 * 1024;

    /// <summary>Longest plugin id (issue 2: 1–64 characters). Applies to every id at every API boundary.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Longest display name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Longest description.</summary>
    public const int MaxDescriptionLength = 2000;

    /// <summary>Longest version text (node-semver's <c>MAX_LENGTH</c>).</summary>
    public const int MaxVersionLength = 256;

    /// <summary>Longest <c>platform</c> range.</summary>
    public const int MaxPlatformLength = Platform.PlatformRange.MaxLength;

    /// <summary>Longest <c>$schema</c> reference.</summary>
    public const int MaxSchemaReferenceLength = 1024;

    /// <summary>Most traits.</summary>
    public const int MaxTraits = 32;

    /// <summary>Longest trait.</summary>
    public const int MaxTraitLength = 64;

    /// <summary>Most dependencies (each an id of at most <see cref="MaxIdLength"/>).</summary>
    public const int MaxDependencies = 32;

    /// <summary>Most allowed domains (each at most 253 characters, as DNS allows).</summary>
    public const int MaxAllowedDomains = 32;

    /// <summary>Most event types in each of <c>events.publishes</c> and <c>events.subscribes</c> (each a canonical type name).</summary>
    public const int MaxEventTypes = 32;

    /// <summary>Most endpoints.</summary>
    public const int MaxEndpoints = 64;

    /// <summary>Longest endpoint name.</summary>
    public const int MaxEndpointNameLength = 64;

    /// <summary>Longest endpoint or health check path.</summary>
    public const int MaxPathLength = 512;

    /// <summary>Most HIPAA controls.</summary>
    public const int MaxHipaaControls = 64;

    /// <summary>Longest HIPAA control citation.</summary>
    public const int MaxHipaaControlLength = 32;

    /// <summary>Most contracts: each of the vocabulary once.</summary>
    public static int MaxContracts => ManifestVocabulary.Contracts.Count;

    /// <summary>Most data classifications: each of the vocabulary once.</summary>
    public static int MaxDataClassifications => ManifestVocabulary.DataClassifications.Count;

    /// <summary>Longest property name anywhere in the manifest (known or not).</summary>
    public const int MaxPropertyNameLength = 256;

    /// <summary>Most errors, and most warnings, one validation reports; the rest are counted in one last finding.</summary>
    public const int MaxIssues = 100;
}
