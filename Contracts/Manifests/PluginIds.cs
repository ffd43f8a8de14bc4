namespace Fabrix.Contracts.Manifests;

/// <summary>
/// The plugin id rule (issue 2: 1–64 characters, <c>^[a-z0-9]+(-[a-z0-9]+)*$</c>), the same for a manifest's
/// <c>id</c> and <c>dependencies</c> and for every id an API receives (issue 7 section 4): checked before anything
/// touches a database, so a NUL, a control character or a megabyte id is an invalid argument, never a database error.
/// </summary>
public static class PluginIds
{
    /// <summary>Longest id.</summary>
    public const int MaxLength = ManifestBounds.MaxIdLength;

    /// <summary>
    /// Why <paramref name="value"/> is not a plugin id, as the end of a sentence that starts with "The plugin id "
    /// (e.g. "must not be empty."), or null when it is one. The value is quoted only when it is short printable ASCII.
    /// </summary>
    public static string? Problem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return ManifestReader.PluginIdProblem(value);
    }

    /// <summary>True when <paramref name="value"/> is a well-formed plugin id.</summary>
    public static bool IsValid(string value) => Problem(value) is null;
}
