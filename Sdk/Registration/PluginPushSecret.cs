namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// The push secret the registry returned with this plugin's registration (issue 11 section 3), when its manifest
/// declares <c>events.delivery: push</c>: the Standard Webhooks secret Core.Events signs its pushes with, which the
/// push endpoint of <c>MapFabrixEvent</c> verifies. In memory only; never logged, never in a health answer or an
/// exception message. The registry keeps it across registrations; a registration without one leaves it as it was.
/// </summary>
internal sealed class PluginPushSecret
{
    private volatile string? _value;

    /// <summary>The secret, or null before a push registration.</summary>
    public string? Value => _value;

    public void Set(string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            _value = secret;
        }
    }

    /// <summary>Never the secret.</summary>
    public override string ToString() => _value is null ? "PluginPushSecret { none }" : "PluginPushSecret { set }";
}
