using Fabrix.Contracts.Manifests;

namespace Fabrix.AppHost.Plugins;

/// <summary>A plugin's manifest file, read and validated before anything starts (a bad manifest fails fast).</summary>
internal sealed record PluginManifestFile(string Path, string Json, string PluginId, string Version, string Digest)
{
    /// <summary>The manifest's <c>health_check</c>, when it declares one.</summary>
    public ManifestHealthCheck? HealthCheck { get; init; }

    /// <summary>
    /// The file this one is a copy of, when the AppHost wrote a copy adjusted to this run's ports
    /// (<see cref="RunManifest"/>); null when this is the plugin's own file.
    /// </summary>
    public string? CopiedFrom { get; init; }

    /// <summary>For a copy: the manifest's own <c>health_check.port</c> and the one this run gives the plugin.</summary>
    public (int Declared, int Run)? CopiedWithPort { get; init; }

    public static PluginManifestFile Load(string path, string displayPath)
    {
        if (!File.Exists(path))
        {
            throw new AppHostException($"plugin manifest {displayPath} not found");
        }

        var json = File.ReadAllText(path);
        var result = ManifestValidator.Validate(json);
        if (!result.IsValid || result.Manifest is null)
        {
            var errors = string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}"));
            throw new AppHostException($"plugin manifest {displayPath} is not valid: {errors}");
        }

        return new PluginManifestFile(path, json, result.Manifest.Id, result.Manifest.Version, ManifestDigest.Compute(json))
        {
            HealthCheck = result.Manifest.HealthCheck,
        };
    }
}
