using Fabrix.Contracts.Manifests;
using System.Text.Json.Serialization;

namespace Fabrix.Core.Registry.Health;

/// <summary>Where a sample came from.</summary>
internal enum HealthSampleSource
{
    Http,
    Grpc,
    Heartbeat,

    /// <summary>No heartbeat within the TTL: the absence is the observation.</summary>
    HeartbeatTtl,
}

/// <summary>
/// One observation of a plugin: a probe's outcome or a heartbeat, with the metrics the plugin reported (issue 3 §1:
/// "Metrics a plugin returns in a JSON health body ... are stored with the sample").
/// </summary>
internal sealed record HealthSample(
    string PluginId,
    DateTimeOffset At,
    HealthSampleSource Source,
    bool Success,
    TimeSpan? Duration,
    string? Detail,
    IReadOnlyDictionary<string, double> Metrics);

/// <summary>A change of a plugin's health state, with the reason in plain English.</summary>
internal sealed record HealthTransition(
    string PluginId,
    HealthState From,
    HealthState To,
    DateTimeOffset At,
    string Reason);

/// <summary>
/// What <see cref="IHealthStore.RecordAsync"/> persists in one transaction: the sample, the plugin's resulting status
/// (state and counters), and the transition when the state changed.
/// </summary>
internal sealed record HealthObservation(HealthSample Sample, HealthStatus Status, HealthTransition? Transition);

/// <summary>
/// Published on <c>fabrix.plugin.&lt;id&gt;.health</c> for every transition (issue 3 §1). States use the lower-case
/// names of <see cref="HealthStateNames"/>.
/// </summary>
internal sealed record PluginHealthChanged(
    string PluginId,
    string From,
    string To,
    DateTimeOffset At,
    string Reason)
{
    public static PluginHealthChanged Of(HealthTransition transition) => new(
        transition.PluginId,
        transition.From.Name(),
        transition.To.Name(),
        transition.At,
        transition.Reason);
}

/// <summary>The strings <c>registry.proto</c> uses for health (<c>HealthSample.source</c>, <c>PluginHealth.monitoring</c>).</summary>
internal static class HealthContractNames
{
    /// <summary><c>probe</c> (active polling) or <c>heartbeat</c>.</summary>
    public static string Source(this HealthSampleSource source) =>
        source is HealthSampleSource.Http or HealthSampleSource.Grpc ? "probe" : "heartbeat";

    /// <summary><c>probe:http</c>, <c>probe:grpc</c> or <c>heartbeat</c> (no <c>health_check</c> declared).</summary>
    public static string Monitoring(this HealthTarget target) => Monitoring(target.HealthCheck);

    /// <inheritdoc cref="Monitoring(HealthTarget)"/>
    public static string Monitoring(ManifestHealthCheck? healthCheck) =>
        healthCheck is { } check ? $"probe:{check.Type}" : "heartbeat";
}

/// <summary>NATS subjects of health events.</summary>
internal static class HealthSubjects
{
    /// <summary><c>fabrix.plugin.&lt;id&gt;.health</c>; plugin ids are <c>[a-z0-9-]</c>, safe as a subject token.</summary>
    public static string Health(string pluginId) => $"fabrix.plugin.{pluginId}.health";
}

/// <summary>Wire JSON of health events: snake_case like every registry event, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PluginHealthChanged))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
