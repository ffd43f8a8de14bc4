using Fabrix.Contracts.Manifests;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// The running plugin as the SDK knows it: identity from the validated manifest, and registration with core.
/// Inject it anywhere in the app (it is a singleton) to read the plugin id or get the token for calling core.
/// </summary>
public interface IFabrixPlugin
{
    /// <summary>The plugin id from the manifest, e.g. <c>user-management</c>.</summary>
    string PluginId { get; }

    /// <summary>The manifest, validated locally at start-up.</summary>
    PluginManifest Manifest { get; }

    /// <summary>The manifest file's exact text, as sent to the registry.</summary>
    string ManifestJson { get; }

    /// <summary>The current registration snapshot.</summary>
    PluginRegistration Registration { get; }

    /// <summary>The current token, or null while not registered. Shorthand for <c>Registration.Token</c>.</summary>
    PluginToken? Token { get; }

    /// <summary>Time since the SDK started in this process.</summary>
    TimeSpan Uptime { get; }

    /// <summary>
    /// Raised after every change of <see cref="Registration"/>, with the new snapshot, on a background thread. A handler
    /// that throws is logged and ignored. When two changes race, read <see cref="Registration"/> for the latest.
    /// </summary>
    event EventHandler<PluginRegistration>? RegistrationChanged;

    /// <summary>
    /// Completes with the registration snapshot once the plugin is registered (at once when it already is).
    /// </summary>
    Task<PluginRegistration> WaitForRegistrationAsync(CancellationToken cancellationToken = default);
}
