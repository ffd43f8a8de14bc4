namespace Fabrix.Contracts.Manifests;

/// <summary>
/// The path of <c>health_check.path</c> (issue 2 section 3; <c>endpoints</c> values follow the stricter
/// <see cref="EndpointTemplate"/> since issue 10): absolute (one leading <c>/</c>;
/// <c>//host</c> would be a network-path reference to another host), no <c>..</c> segment (also when
/// percent-encoded), no query (<c>?</c>) and no fragment (<c>#</c>), no whitespace or control characters.
/// Route templates such as <c>/api/users/{id}</c> are allowed.
/// </summary>
internal static class EndpointPath
{
    /// <summary>Returns null when <paramref name="path"/> is acceptable, otherwise why it is not.</summary>
    public static string? Problem(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return "must be an absolute path starting with '/'";
        }

        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            return "must not start with '//' (that names another host, not a path)";
        }

        if (path.Contains('?', StringComparison.Ordinal))
        {
            return "must not contain a query ('?')";
        }

        if (path.Contains('#', StringComparison.Ordinal))
        {
            return "must not contain a fragment ('#')";
        }

        foreach (var c in path)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "must not contain whitespace or control characters";
            }
        }

        foreach (var segment in path.Split('/'))
        {
            if (IsDotDot(segment))
            {
                return "must not contain a '..' segment";
            }
        }

        return null;
    }

    private static bool IsDotDot(string segment)
    {
        var decoded = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
        return decoded == "..";
    }
}
