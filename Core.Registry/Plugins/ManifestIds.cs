using System.Text.Json;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>Best-effort plugin id of a manifest that may be invalid, for audit targets.</summary>
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
}
