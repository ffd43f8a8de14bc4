using System.Text.Json;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>Best-effort fields of a manifest that may be invalid: the id for audit targets, the platform range for display.</summary>
internal static class ManifestIds
{
    public const string Unknown = "unknown";

    public static string Of(string manifestJson)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            return Of(document.RootElement);
        }
        catch (JsonException)
        {
            return Unknown;
        }
    }

    public static string Of(JsonElement manifest) =>
        manifest.ValueKind == JsonValueKind.Object
        && manifest.TryGetProperty("id", out var id)
        && id.ValueKind == JsonValueKind.String
        && id.GetString() is { Length: > 0 and <= 64 } text
            ? text
            : Unknown;

    /// <summary>The manifest's <c>platform</c> range as stored, or null when it declares none.</summary>
    public static string? PlatformOf(string manifestJson)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("platform", out var platform)
                   && platform.ValueKind == JsonValueKind.String
                ? platform.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
