using System.Text.Json.Serialization;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>NATS subjects the registry publishes (ARCHITECTURE.md "Lifecycle and health", "The three lanes").</summary>
internal static class EventSubjects
{
    /// <summary>Lanes refresh their policy snapshot when this fires.</summary>
    public const string PolicyChanged = "fabrix.policy.changed";

    /// <summary><c>fabrix.plugin.&lt;id&gt;.lifecycle</c>; plugin ids are <c>[a-z0-9-]</c>, safe as a subject token.</summary>
    public static string Lifecycle(string pluginId) => $"fabrix.plugin.{pluginId}.lifecycle";
}

/// <summary>
/// Published on <c>fabrix.plugin.&lt;id&gt;.lifecycle</c> for every transition (including a re-registration, whose
/// from and to are equal). <c>from</c> is null for a first install, <c>to</c> null for an uninstall.
/// </summary>
internal sealed record PluginLifecycleChanged(
    string PluginId,
    string? From,
    string? To,
    string Trigger,
    DateTimeOffset At,
    string Actor,
    string Reason,
    string CorrelationId);

/// <summary>
/// Published on <c>fabrix.policy.changed</c> whenever something a lane decides on changed (Policy/PolicyChanges): a
/// plugin (<c>plugin_id</c>, <c>status</c>) or a global switch (<c>switch</c>; <c>plugin_id</c> null). Every registry
/// replica reacts by reading the new policy revision from the database and pushing it to its WatchPolicy streams.
/// </summary>
internal sealed record PolicyChanged(
    string? PluginId,
    string? Status,
    string Cause,
    DateTimeOffset At,
    string CorrelationId,
    string? Switch = null);

/// <summary>Wire JSON of registry events: snake_case, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PluginLifecycleChanged))]
[JsonSerializable(typeof(PolicyChanged))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
