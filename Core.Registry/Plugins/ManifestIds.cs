using System.Text.Json;
using Fabrix.Contracts.Manifests;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>Best-effort fields of a manifest that may be invalid: the id for audit targets, the platform range for display.</summary>
internal static class ManifestIds
{
    public const string Unknown = "unknown";

    public static string Of(string manifestJson)
    {
        // Bounded first: a best-effort audit target must not cost a parse of a megabyte (issue 7 section 3).
        if (ManifestValidator.SizeProblem(manifestJson) is not null)
        {
            return Unknown;
        }

        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            return Of(document.RootElement);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return Unknown;
        }
    }

    public static string Of(JsonElement manifest)
    {
        if (manifest.ValueKind != JsonValueKind.Object || !manifest.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            return Unknown;
        }

        try
        {
            return id.GetString() is { Length: > 0 and <= PluginIds.MaxLength } text ? text : Unknown;
        }
        catch (InvalidOperationException)
        {
            return Unknown;
        }
    }

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
