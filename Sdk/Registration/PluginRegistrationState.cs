namespace Fabrix.Plugins.Sdk;

/// <summary>Where the plugin stands with the registry, as this process sees it.</summary>
public enum PluginRegistrationState
{
    /// <summary>Not registered yet: the server has not started, the registry is unreachable, or a token lapsed and
    /// registration is being retried with backoff.</summary>
    Pending = 0,

    /// <summary>Registered: the plugin holds a valid token and keeps renewing it.</summary>
    Registered = 1,

    /// <summary>The registry refused the plugin (not installed, manifest mismatch, disabled or unregistered). The SDK
    /// keeps asking slowly, because an administrator may install or enable the plugin later.</summary>
    Refused = 2,
}
