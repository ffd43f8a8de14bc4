namespace Fabrix.Contracts.Identity;

/// <summary>
/// Claims of the plugin token the registry issues on registration (ES256 JWT, <c>sub</c> = plugin id).
/// Lanes and plugins read them; only the registry writes them.
/// </summary>
public static class PluginTokenClaims
{
    /// <summary>Issuer of plugin tokens.</summary>
    public const string Issuer = "fabrix-registry";

    /// <summary>Audience of plugin tokens: every Fabrix core service.</summary>
    public const string Audience = "fabrix";

    /// <summary>Manifest version of the registered plugin.</summary>
    public const string Version = "fabrix_version";

    /// <summary>Traits of the registered plugin (one claim value per trait).</summary>
    public const string Traits = "fabrix_traits";

    /// <summary>Contracts of the registered plugin (one claim value per contract).</summary>
    public const string Contracts = "fabrix_contracts";

    /// <summary>SHA-256 digest of the canonical manifest the plugin registered with.</summary>
    public const string ManifestDigest = "fabrix_manifest_digest";

    /// <summary>Path of the registry's JSON Web Key Set.</summary>
    public const string JwksPath = "/.well-known/jwks.json";
}
