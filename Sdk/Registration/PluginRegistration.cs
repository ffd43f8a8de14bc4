using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Immutable snapshot of the plugin's registration. A new snapshot replaces the old one atomically on every change,
/// so the values read from one snapshot always belong together.
/// </summary>
/// <param name="State">Registration state as this process sees it.</param>
/// <param name="Status">Lifecycle status the registry last reported (<see cref="PluginStatus.Unspecified"/> before
/// the first answer).</param>
/// <param name="Token">The current token; null unless <see cref="State"/> is <see cref="PluginRegistrationState.Registered"/>.</param>
/// <param name="ChangedAt">When this snapshot was taken.</param>
/// <param name="Reason">Why the plugin is pending or refused, in plain English; null when registered.</param>
public sealed record PluginRegistration(
    PluginRegistrationState State,
    PluginStatus Status,
    PluginToken? Token,
    DateTimeOffset ChangedAt,
    string? Reason);
