namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Settings of the Fabrix plugin SDK, bound from the <see cref="SectionName"/> configuration section
/// (environment variables <c>Fabrix__Plugin__*</c>). Validated when the host starts: a plugin with bad settings
/// refuses to start and names the key that is wrong.
/// </summary>
public sealed class FabrixPluginOptions
{
    /// <summary>Configuration section: <c>Fabrix:Plugin</c>.</summary>
    public const string SectionName = "Fabrix:Plugin";

    /// <summary>
    /// Configuration key the AppHost (and any .NET Aspire orchestrator) uses for the registry's gRPC address
    /// (environment variable <c>services__registry__grpc__0</c>). Used when <see cref="RegistryAddress"/> is not set.
    /// </summary>
    public const string RegistryServiceKey = "services:registry:grpc:0";

    /// <summary>
    /// Path of the manifest file (<c>Fabrix:Plugin:ManifestPath</c>). A relative path is resolved against the
    /// content root first, then against the application's base directory. Default <c>manifest.json</c>.
    /// </summary>
    public string ManifestPath { get; set; } = "manifest.json";

    /// <summary>
    /// gRPC base address of the registry (<c>Fabrix:Plugin:RegistryAddress</c>), e.g. <c>http://127.0.0.1:5101</c>.
    /// When unset, <see cref="RegistryServiceKey"/> is used. Required one way or the other.
    /// </summary>
    public string? RegistryAddress { get; set; }

    /// <summary>
    /// Absolute http(s) base address where core reaches this plugin (<c>Fabrix:Plugin:Address</c>). When unset,
    /// the first address the server listens on, once it has started.
    /// </summary>
    public string? Address { get; set; }

    /// <summary>
    /// The registration credential an administrator received when installing the plugin, <c>fxrc_…</c>
    /// (<c>Fabrix:Plugin:RegistrationCredential</c>, environment variable <c>Fabrix__Plugin__RegistrationCredential</c>).
    /// The manifest is public, so it proves nothing: the registry refuses a registration without this. The SDK sends it
    /// only in the registration call and never logs it. Set this or <see cref="RegistrationCredentialFile"/>.
    /// </summary>
    public string? RegistrationCredential { get; set; }

    /// <summary>
    /// Path of a file holding the registration credential (<c>Fabrix:Plugin:RegistrationCredentialFile</c>), e.g. a
    /// mounted Kubernetes secret. Surrounding whitespace is ignored. The file is read at every registration attempt, so a
    /// rotated secret written to it is picked up without a restart. Used when <see cref="RegistrationCredential"/> is unset.
    /// </summary>
    public string? RegistrationCredentialFile { get; set; }

    /// <summary>How often a heartbeat is sent while registered (<c>Fabrix:Plugin:HeartbeatInterval</c>). Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// First delay of the exponential backoff (with jitter) used when the registry is unreachable
    /// (<c>Fabrix:Plugin:RetryBaseDelay</c>). Default 1 s.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the backoff delay (<c>Fabrix:Plugin:RetryMaxDelay</c>). Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Delay between attempts while the registry refuses the plugin — not installed, manifest mismatch, disabled
    /// or unregistered (<c>Fabrix:Plugin:RefusedRetryInterval</c>). Such a refusal is not transient, so the plugin
    /// asks again only this slowly, in case an administrator installs or enables it meanwhile. Default 30 s.
    /// </summary>
    public TimeSpan RefusedRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit of one call to the registry (<c>Fabrix:Plugin:CallTimeout</c>). Default 10 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
