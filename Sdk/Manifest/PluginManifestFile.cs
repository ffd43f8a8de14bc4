using Fabrix.Contracts.Manifests;

namespace Fabrix.Plugins.Sdk.Manifest;

/// <summary>
/// The plugin's manifest as read from disk: the exact text (sent to the registry unchanged, so its digest matches
/// the installed one) and the typed view the local validation produced.
/// </summary>
internal sealed record PluginManifestFile(string FullPath, string Json, PluginManifest Manifest, IReadOnlyList<ManifestIssue> Warnings)
{
    /// <summary>
    /// Reads and validates the manifest. A relative <paramref name="configuredPath"/> is looked up in the content
    /// root, then next to the application's binaries (where the build copies it), so both <c>dotnet run</c> and
    /// <c>dotnet App.dll</c> from another folder find it.
    /// </summary>
    /// <exception cref="FabrixPluginManifestException">The file is missing, unreadable or invalid.</exception>
    public static PluginManifestFile Load(string configuredPath, string contentRoot, string baseDirectory)
    {
        var candidates = Path.IsPathRooted(configuredPath)
            ? [configuredPath]
            : new[] { Path.Combine(contentRoot, configuredPath), Path.Combine(baseDirectory, configuredPath) }
                .Select(Path.GetFullPath)
                .Distinct(StringComparer.Ordinal)
                .ToArray();

        var fullPath = candidates.FirstOrDefault(File.Exists) ?? throw new FabrixPluginManifestException(
            $"The plugin manifest was not found (looked for {string.Join(" and ", candidates)}). " +
            $"Put manifest.json in the content root or set {FabrixPluginOptions.SectionName}:{nameof(FabrixPluginOptions.ManifestPath)}.");

        string json;
        try
        {
            json = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FabrixPluginManifestException($"The plugin manifest {fullPath} could not be read: {ex.Message}", ex);
        }

        var result = ManifestValidator.Validate(json);
        if (!result.IsValid || result.Manifest is null)
        {
            throw new FabrixPluginManifestException(fullPath, result.Errors);
        }

        return new PluginManifestFile(fullPath, json, result.Manifest, result.Warnings);
    }
}
