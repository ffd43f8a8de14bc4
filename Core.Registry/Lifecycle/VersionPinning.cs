namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// What pinning another manifest version (upgrade or rollback, issue 3 section 3) does to an installation beyond the
/// lifecycle table (which sends it back to installed: the plugin must register again with the pinned manifest).
/// Pure.
/// </summary>
internal static class VersionPinning
{
    /// <summary>
    /// Whether the installation becomes active again as soon as it re-registers: an active plugin comes back active
    /// (an upgrade is a planned restart, not a decision to take it out of service); an installed or registered one
    /// keeps the administrator's setting (nothing was decided yet); a disabled or unregistered one stays out until an
    /// administrator enables it (they took it out; a new version must not bring it back on its own).
    /// </summary>
    public static bool EnableOnRegisterAfter(PluginState from, bool enableOnRegister) => from switch
    {
        PluginState.Active => true,
        PluginState.Installed or PluginState.Registered => enableOnRegister,
        _ => false,
    };

    /// <summary>
    /// The lifecycle reason: <c>upgraded to 1.1.0; must register again</c>, <c>rolled back to 1.0.0; must register
    /// again</c> (or <c>rolled forward to</c> when the pinned version is newer), followed by the administrator's reason.
    /// </summary>
    public static string Reason(LifecycleTrigger trigger, bool newer, string toVersion, string? administratorReason)
    {
        var what = trigger switch
        {
            LifecycleTrigger.Upgrade => "upgraded to",
            LifecycleTrigger.Rollback when newer => "rolled forward to",
            LifecycleTrigger.Rollback => "rolled back to",
            _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, "Only upgrade and rollback pin a version."),
        };
        var reason = $"{what} {toVersion}; must register again";
        return string.IsNullOrWhiteSpace(administratorReason) ? reason : $"{reason} ({administratorReason.Trim()})";
    }
}
