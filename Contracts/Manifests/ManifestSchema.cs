namespace Fabrix.Contracts.Manifests;

/// <summary>
/// The published JSON Schema (draft-07) of the manifest, <c>Contracts/schemas/plugin-manifest.schema.json</c>,
/// for plugin authors in any language. The validator is the authority; a test keeps the schema in step with it.
/// </summary>
public static class ManifestSchema
{
    /// <summary>Name of the embedded resource holding the schema.</summary>
    public const string ResourceName = "Fabrix.Contracts.schemas.plugin-manifest.schema.json";

    private static readonly Lazy<string> s_json = new(Load);

    /// <summary>The schema text.</summary>
    public static string Json => s_json.Value;

    private static string Load()
    {
        using var stream = typeof(ManifestSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from {typeof(ManifestSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
