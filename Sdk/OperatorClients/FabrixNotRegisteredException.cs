namespace Fabrix.Plugins.Sdk;

/// <summary>
/// An operator client was asked to call another plugin while this plugin holds no token (registration is pending or
/// refused). Derives from <see cref="HttpRequestException"/>, so code that handles a failed call handles this too.
/// </summary>
public sealed class FabrixNotRegisteredException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="pluginId">This plugin's id.</param>
    /// <param name="reason">Why it is not registered, as the registration snapshot says.</param>
    public FabrixNotRegisteredException(string pluginId, string? reason)
        : base($"Plugin '{pluginId}' is not registered with Fabrix, so it has no token to call other plugins through the gateway" +
            (string.IsNullOrEmpty(reason) ? "." : $": {reason}"))
    {
        PluginId = pluginId;
    }

    /// <summary>Creates the exception for a use other than the gateway (e.g. the egress proxy).</summary>
    internal FabrixNotRegisteredException(string pluginId, string? reason, string purpose)
        : base($"Plugin '{pluginId}' is not registered with Fabrix, so it has no token {purpose}" + (string.IsNullOrEmpty(reason) ? "." : $": {reason}"))
    {
        PluginId = pluginId;
    }

    /// <summary>This plugin's id.</summary>
    public string PluginId { get; }
}
