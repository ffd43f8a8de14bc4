using System.Text.Json;
using Fabrix.Plugins.Sdk.Heartbeat;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Plugins.Sdk.Health;

/// <summary>
/// The body of <c>/health</c>: seed 004's <c>{"status":"healthy","plugin":"…"}</c> plus registration state and the
/// metrics core may record when it polls. Installed as the default health-check response writer, so it also
/// answers for a <c>/health</c> the app maps itself with <c>MapHealthChecks</c> (e.g. ServiceDefaults).
/// </summary>
internal static class PluginHealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var plugin = context.RequestServices.GetRequiredService<IFabrixPlugin>();
        var registration = plugin.Registration;
        var metrics = PluginMetrics.Capture(plugin);

        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("status", Name(report.Status));
        json.WriteString("plugin", plugin.PluginId);
        json.WriteString("version", plugin.Manifest.Version);
        json.WriteString("registration", Name(registration.State));
        if (registration.Reason is not null)
        {
            json.WriteString("registration_reason", registration.Reason);
        }

        foreach (var (name, value) in metrics)
        {
            json.WriteNumber(name, value);
        }

        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteString(name, Name(entry.Status));
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Health states as seed 004 names them.</summary>
    public static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    public static string Name(PluginRegistrationState state) => state switch
    {
        PluginRegistrationState.Registered => "registered",
        PluginRegistrationState.Refused => "refused",
        _ => "pending",
    };
}
