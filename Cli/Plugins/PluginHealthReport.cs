using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// <c>fabrix plugins health --json</c>: the registry's <see cref="PluginHealth"/> with the proto's snake_case names,
/// states as the lower-case words the tables use, times as ISO 8601 UTC (null when unset), newest first.
/// </summary>
internal sealed record PluginHealthReport(
    string PluginId,
    string State,
    DateTime? Since,
    string Monitoring,
    int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    DateTime? LastHeartbeatAt,
    IReadOnlyList<HealthSampleReport> Samples,
    IReadOnlyList<HealthTransitionReport> Transitions)
{
    public static PluginHealthReport From(PluginHealth health) => new(
        health.PluginId,
        PluginText.Health(health.State),
        Time(health.Since),
        health.Monitoring,
        health.ConsecutiveFailures,
        health.ConsecutiveSuccesses,
        Time(health.LastHeartbeatAt),
        [.. health.Samples.Select(HealthSampleReport.From)],
        [.. health.Transitions.Select(HealthTransitionReport.From)]);

    internal static DateTime? Time(Timestamp? timestamp) => timestamp?.ToDateTime();
}

/// <summary>One probe result or heartbeat; <c>error</c> is null on success, <c>metrics</c> sorted by name.</summary>
internal sealed record HealthSampleReport(
    DateTime? At,
    string Source,
    bool Success,
    int LatencyMs,
    string? Error,
    IReadOnlyDictionary<string, double> Metrics,
    string StateAfter)
{
    public static HealthSampleReport From(HealthSample sample) => new(
        PluginHealthReport.Time(sample.At),
        sample.Source,
        sample.Success,
        sample.LatencyMs,
        string.IsNullOrEmpty(sample.Error) ? null : sample.Error,
        new SortedDictionary<string, double>(sample.Metrics, StringComparer.Ordinal),
        PluginText.Health(sample.StateAfter));
}

/// <summary>One change of health state and why.</summary>
internal sealed record HealthTransitionReport(DateTime? At, string FromState, string ToState, string Reason)
{
    public static HealthTransitionReport From(HealthTransition transition) => new(
        PluginHealthReport.Time(transition.At),
        PluginText.Health(transition.FromState),
        PluginText.Health(transition.ToState),
        transition.Reason);
}

// Metric names (e.g. memory.working_set_mb) are the plugin's own and stay as sent: no dictionary key policy.
// A plugin may report NaN or infinity, which plain JSON numbers cannot carry: written as "NaN" / "Infinity".
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(PluginHealthReport))]
internal sealed partial class PluginHealthJsonContext : JsonSerializerContext
{
    /// <summary>Writes quotes and non-ASCII text as they are (the output is a terminal or a file, never HTML).</summary>
    public static PluginHealthJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
