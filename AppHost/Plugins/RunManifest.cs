using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.AppHost.Hosting;
using Fabrix.Contracts.Manifests;

namespace Fabrix.AppHost.Plugins;

/// <summary>
/// The manifest a plugin runs with. The registry probes a plugin at the host of its registered address and the
/// manifest's <c>health_check.port</c>, but the AppHost moves the plugin's ports (<c>--port-offset</c>, <c>--port</c>).
/// When the two differ, the plugin gets a copy of its manifest in the data folder with only that port changed. The
/// copy is both what the AppHost installs and what the plugin registers with (<see cref="ManifestPathVariable"/>):
/// the registry accepts a registration only when its digest equals the installed one, so they must be one text.
/// </summary>
internal static class RunManifest
{
    /// <summary>Read by the plugin SDK as <c>Fabrix:Plugin:ManifestPath</c>.</summary>
    public const string ManifestPathVariable = "Fabrix__Plugin__ManifestPath";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Names and descriptions keep their characters as written instead of \u escapes; the text never goes into HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Where the adjusted copy of <paramref name="resourceName"/>'s manifest goes, relative to the data root.</summary>
    public static string CopyPath(string resourceName) => $"plugins/{resourceName}/manifest.json";

    /// <summary>
    /// The port the registry has to probe: an http check the HTTP/1.1 endpoint; a grpc check (h2c) the HTTP/2
    /// endpoint, or the HTTP/1.1 one when the plugin has no HTTP/2 endpoint. Null when the plugin has no such endpoint.
    /// </summary>
    public static int? HealthCheckPort(ManifestHealthCheck check, int? httpPort, int? http2Port)
    {
        ArgumentNullException.ThrowIfNull(check);
        return check.Type switch
        {
            "http" => httpPort,
            "grpc" => http2Port ?? httpPort,
            _ => null,
        };
    }

    /// <summary>
    /// <paramref name="manifest"/> itself when its <c>health_check.port</c> is the port the plugin gets (or it has no
    /// health check); otherwise a validated copy with that port, written to <see cref="CopyPath"/> under the data root.
    /// </summary>
    public static PluginManifestFile ForRun(FabrixLayout layout, string resourceName, PluginManifestFile manifest, int? httpPort, int? http2Port)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.HealthCheck is not { } check || HealthCheckPort(check, httpPort, http2Port) is not { } port || port == check.Port)
        {
            return manifest;
        }

        var copyPath = layout.DataPath(CopyPath(resourceName));
        Directory.CreateDirectory(Path.GetDirectoryName(copyPath)!);
        File.WriteAllText(copyPath, WithHealthCheckPort(manifest.Json, port));

        // Loaded back from disk: the digest installed is that of the very bytes the plugin will read.
        return PluginManifestFile.Load(copyPath, $"{FabrixLayout.Display(copyPath)} (a copy of {FabrixLayout.Display(manifest.Path)} with health_check.port {port})")
            with { CopiedFrom = manifest.Path, CopiedWithPort = (check.Port, port) };
    }

    /// <summary>
    /// <paramref name="json"/> with only <c>health_check.port</c> set to <paramref name="port"/>: members keep their
    /// order and numbers their text; the layout becomes indented with two spaces, as the sample manifests are written.
    /// </summary>
    public static string WithHealthCheckPort(string json, int port)
    {
        ArgumentNullException.ThrowIfNull(json);
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new ArgumentException("The manifest is not a JSON object.", nameof(json));
        var healthCheck = root["health_check"] as JsonObject ?? throw new ArgumentException("The manifest has no health_check object.", nameof(json));
        healthCheck["port"] = port;
        var text = root.ToJsonString(Indented);
        return json.EndsWith('\n') ? text + "\n" : text;
    }

    /// <summary>
    /// True when two manifests are identical in content (<see cref="ManifestDigest"/>) but for <c>health_check.port</c>,
    /// which is what two runs with different port offsets produce.
    /// </summary>
    public static bool DifferOnlyInHealthCheckPort(string first, string second) =>
        DigestWithoutHealthCheckPort(first) is { } digest
            && string.Equals(digest, DigestWithoutHealthCheckPort(second), StringComparison.Ordinal);

    private static string? DigestWithoutHealthCheckPort(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is not JsonObject root)
            {
                return null;
            }

            (root["health_check"] as JsonObject)?.Remove("port");
            return ManifestDigest.Compute(root.ToJsonString());
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not a manifest this comparison can read (duplicate members, not JSON): say "different".
            return null;
        }
    }
}
