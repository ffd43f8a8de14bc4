using System.Globalization;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Cli.Plugins;

/// <summary>How registry values read on the command line: lower-case status names, UTC timestamps.</summary>
internal static class PluginText
{
    public static IReadOnlyList<string> StatusNames { get; } = ["installed", "registered", "active", "disabled", "unregistered"];

    public static string Status(PluginStatus status) => status switch
    {
        PluginStatus.Installed => "installed",
        PluginStatus.Registered => "registered",
        PluginStatus.Active => "active",
        PluginStatus.Disabled => "disabled",
        PluginStatus.Unregistered => "unregistered",
        _ => "unknown",
    };

    public static PluginStatus ParseStatus(string? name) => name switch
    {
        "installed" => PluginStatus.Installed,
        "registered" => PluginStatus.Registered,
        "active" => PluginStatus.Active,
        "disabled" => PluginStatus.Disabled,
        "unregistered" => PluginStatus.Unregistered,
        _ => PluginStatus.Unspecified,
    };

    public static string Health(HealthState health) => health switch
    {
        HealthState.Healthy => "healthy",
        HealthState.Degraded => "degraded",
        HealthState.Unhealthy => "unhealthy",
        _ => "unknown",
    };

    public static string Time(Timestamp? timestamp) =>
        timestamp is null ? "-" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string List(IEnumerable<string> values)
    {
        var text = string.Join(", ", values);
        return text.Length == 0 ? "-" : text;
    }
}
