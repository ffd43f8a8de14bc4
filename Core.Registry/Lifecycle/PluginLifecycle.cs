using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>Lifecycle states, plus <see cref="NotInstalled"/> for an id the registry does not hold.</summary>
internal enum PluginState
{
    NotInstalled,
    Installed,
    Registered,
    Active,
    Disabled,
    Unregistered,
}

/// <summary>What asks for a transition.</summary>
internal enum LifecycleTrigger
{
    Install,
    Register,
    Enable,
    Disable,
    Unregister,
    Uninstall,

    /// <summary>An administrator installs and pins a newer manifest version (issue 3 section 3).</summary>
    Upgrade,

    /// <summary>An administrator pins another installed manifest version (issue 3 section 3).</summary>
    Rollback,
}

/// <summary>One allowed edge of the lifecycle.</summary>
internal readonly record struct LifecycleTransition(PluginState From, LifecycleTrigger Trigger, PluginState To);

/// <summary>Result of asking the state machine: the target state, or why not and what is allowed instead.</summary>
internal readonly record struct LifecycleDecision(bool IsAllowed, PluginState To, string? Refusal);

/// <summary>
/// The plugin lifecycle as one table (issue 2 section 4, SHARED.md "Lifecycle"):
/// installed → registered → active ⇄ disabled; registered|active|disabled → unregistered; a registered or active
/// plugin may register again (a restart); install from nothing or from unregistered (reinstall); uninstall from
/// installed or unregistered. Upgrading or rolling back (issue 3 section 3) pins another manifest version, which the
/// plugin must present by registering again, so from every installed state it leads back to installed. Pure: no
/// I/O, no clock.
/// </summary>
internal static class PluginLifecycle
{
    public static IReadOnlyList<LifecycleTransition> Transitions { get; } =
    [
        new(PluginState.NotInstalled, LifecycleTrigger.Install, PluginState.Installed),
        new(PluginState.Unregistered, LifecycleTrigger.Install, PluginState.Installed),
        new(PluginState.Installed, LifecycleTrigger.Register, PluginState.Registered),
        new(PluginState.Registered, LifecycleTrigger.Register, PluginState.Registered),
        new(PluginState.Active, LifecycleTrigger.Register, PluginState.Active),
        new(PluginState.Registered, LifecycleTrigger.Enable, PluginState.Active),
        new(PluginState.Disabled, LifecycleTrigger.Enable, PluginState.Active),
        new(PluginState.Active, LifecycleTrigger.Disable, PluginState.Disabled),
        new(PluginState.Registered, LifecycleTrigger.Unregister, PluginState.Unregistered),
        new(PluginState.Active, LifecycleTrigger.Unregister, PluginState.Unregistered),
        new(PluginState.Disabled, LifecycleTrigger.Unregister, PluginState.Unregistered),
        new(PluginState.Installed, LifecycleTrigger.Uninstall, PluginState.NotInstalled),
        new(PluginState.Unregistered, LifecycleTrigger.Uninstall, PluginState.NotInstalled),
        new(PluginState.Installed, LifecycleTrigger.Upgrade, PluginState.Installed),
        new(PluginState.Registered, LifecycleTrigger.Upgrade, PluginState.Installed),
        new(PluginState.Active, LifecycleTrigger.Upgrade, PluginState.Installed),
        new(PluginState.Disabled, LifecycleTrigger.Upgrade, PluginState.Installed),
        new(PluginState.Unregistered, LifecycleTrigger.Upgrade, PluginState.Installed),
        new(PluginState.Installed, LifecycleTrigger.Rollback, PluginState.Installed),
        new(PluginState.Registered, LifecycleTrigger.Rollback, PluginState.Installed),
        new(PluginState.Active, LifecycleTrigger.Rollback, PluginState.Installed),
        new(PluginState.Disabled, LifecycleTrigger.Rollback, PluginState.Installed),
        new(PluginState.Unregistered, LifecycleTrigger.Rollback, PluginState.Installed),
    ];

    public static IReadOnlyList<LifecycleTransition> AllowedFrom(PluginState from) =>
        [.. Transitions.Where(t => t.From == from)];

    /// <summary>The administrator actions <see cref="PluginSummary.AllowedActions"/> lists for a plugin in <paramref name="state"/>.</summary>
    public static IReadOnlyList<PluginAction> AdministratorActionsFrom(PluginState state) =>
        [.. AdministratorActions.Where(a => Transitions.Any(t => t.From == state && t.Trigger == a.Trigger)).Select(a => a.Action)];

    private static readonly (LifecycleTrigger Trigger, PluginAction Action)[] AdministratorActions =
    [
        (LifecycleTrigger.Enable, PluginAction.Enable),
        (LifecycleTrigger.Disable, PluginAction.Disable),
        (LifecycleTrigger.Unregister, PluginAction.Unregister),
        (LifecycleTrigger.Uninstall, PluginAction.Uninstall),
    ];

    public static LifecycleDecision Decide(PluginState from, LifecycleTrigger trigger)
    {
        foreach (var transition in Transitions)
        {
            if (transition.From == from && transition.Trigger == trigger)
            {
                return new LifecycleDecision(true, transition.To, null);
            }
        }

        var allowed = AllowedFrom(from);
        var allowedText = allowed.Count == 0
            ? "nothing"
            : string.Join(", ", allowed.Select(t => $"{TriggerName(t.Trigger)} (-> {StateName(t.To)})"));
        return new LifecycleDecision(false, from,
            $"Cannot {TriggerName(trigger)} a plugin that is {StateName(from)}. Allowed from {StateName(from)}: {allowedText}.");
    }

    public static string TriggerName(LifecycleTrigger trigger) => trigger switch
    {
        LifecycleTrigger.Install => "install",
        LifecycleTrigger.Register => "register",
        LifecycleTrigger.Enable => "enable",
        LifecycleTrigger.Disable => "disable",
        LifecycleTrigger.Unregister => "unregister",
        LifecycleTrigger.Uninstall => "uninstall",
        LifecycleTrigger.Upgrade => "upgrade",
        LifecycleTrigger.Rollback => "rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, "Unknown trigger."),
    };

    /// <summary>Lower-case name used in messages, in the database and on the wire; <c>not installed</c> for <see cref="PluginState.NotInstalled"/>.</summary>
    public static string StateName(PluginState state) => state switch
    {
        PluginState.NotInstalled => "not installed",
        PluginState.Installed => "installed",
        PluginState.Registered => "registered",
        PluginState.Active => "active",
        PluginState.Disabled => "disabled",
        PluginState.Unregistered => "unregistered",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown state."),
    };

    /// <summary>Database text of a stored state; null for <see cref="PluginState.NotInstalled"/>.</summary>
    public static string? ToDatabase(PluginState state) => state == PluginState.NotInstalled ? null : StateName(state);

    public static PluginState FromDatabase(string? text) => text switch
    {
        null => PluginState.NotInstalled,
        "installed" => PluginState.Installed,
        "registered" => PluginState.Registered,
        "active" => PluginState.Active,
        "disabled" => PluginState.Disabled,
        "unregistered" => PluginState.Unregistered,
        _ => throw new InvalidOperationException($"Unknown plugin status '{text}' in the database."),
    };

    public static PluginStatus ToProto(PluginState state) => state switch
    {
        PluginState.Installed => PluginStatus.Installed,
        PluginState.Registered => PluginStatus.Registered,
        PluginState.Active => PluginStatus.Active,
        PluginState.Disabled => PluginStatus.Disabled,
        PluginState.Unregistered => PluginStatus.Unregistered,
        _ => PluginStatus.Unspecified,
    };

    public static PluginState? FromProto(PluginStatus status) => status switch
    {
        PluginStatus.Installed => PluginState.Installed,
        PluginStatus.Registered => PluginState.Registered,
        PluginStatus.Active => PluginState.Active,
        PluginStatus.Disabled => PluginState.Disabled,
        PluginStatus.Unregistered => PluginState.Unregistered,
        _ => null,
    };
}
