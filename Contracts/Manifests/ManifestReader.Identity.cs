using System.Globalization;
using System.Text.Json;
using Fabrix.Contracts.Platform;
using Semver;

namespace Fabrix.Contracts.Manifests;

/// <summary>Identity: id, name, description text, version and the supported platform range.</summary>
internal sealed partial class ManifestReader
{
    private string? ReadId(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.id";
        if (!Required(fields, "id", path, out var element))
        {
            return null;
        }

        var value = ReadString(element, path, int.MaxValue);
        if (value is null)
        {
            return null;
        }

        var problem = PluginIdProblem(value);
        if (problem is not null)
        {
            Error(path, "The plugin id " + problem);
            return null;
        }

        return value;
    }

    /// <summary>Issue 2: 1–64 characters, <c>^[a-z0-9]+(-[a-z0-9]+)*$</c>.</summary>
    internal static string? PluginIdProblem(string value)
    {
        if (value.Length == 0)
        {
            return "must not be empty.";
        }

        if (value.Length > MaxIdLength)
        {
            return $"must be at most {MaxIdLength} characters long, but has {value.Length.ToString(CultureInfo.InvariantCulture)}.";
        }

        // The value is echoed only when it is printable ASCII: it reaches messages, audit rows and logs (issue 7 section 4).
        var shown = value.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E) ? string.Empty : $"'{value}' ";
        var previousHyphen = true;
        foreach (var c in value)
        {
            if (c == '-')
            {
                if (previousHyphen)
                {
                    return $"{shown}must use lowercase letters, digits and single hyphens between them (e.g. user-management).";
                }

                previousHyphen = true;
            }
            else if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                previousHyphen = false;
            }
            else
            {
                return $"{shown}must use lowercase letters, digits and single hyphens between them (e.g. user-management).";
            }
        }

        return previousHyphen
            ? $"{shown}must use lowercase letters, digits and single hyphens between them (e.g. user-management)."
            : null;
    }

    private string? ReadName(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.name";
        if (!Required(fields, "name", path, out var element))
        {
            return null;
        }

        var value = ReadDisplayText(element, path, ManifestBounds.MaxNameLength, "display name");
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Error(path, "The display name must not be empty.");
            return null;
        }

        return value;
    }

    /// <summary>A name or description: bounded, and free of bidirectional controls and invisible characters (<see cref="ManifestText.DisplayProblem"/>).</summary>
    private string? ReadDisplayText(JsonElement element, string path, int maxLength, string what)
    {
        var value = ReadString(element, path, maxLength);
        if (value is not null && ManifestText.DisplayProblem(value) is { } problem)
        {
            Error(path, $"The {what} {problem}.");
            return null;
        }

        return value;
    }

    private string? ReadVersion(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.version";
        if (!Required(fields, "version", path, out var element))
        {
            return null;
        }

        var value = ReadString(element, path, ManifestBounds.MaxVersionLength);
        if (value is null)
        {
            return null;
        }

        // Strict: MAJOR.MINOR.PATCH, no leading 'v', no leading zeros, optional -pre-release and +build.
        if (!SemVersion.TryParse(value, SemVersionStyles.Strict, out _, MaxVersionLength))
        {
            Error(path, $"The version '{value}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.2.0-beta.1).");
            return null;
        }

        return value;
    }

    /// <summary>Issue 3 section 3: optional range of supported Fabrix versions, npm syntax (<see cref="PlatformRange"/>).</summary>
    private string? ReadPlatform(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.platform";
        if (!fields.TryGetValue("platform", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            Error(path, $"The platform must be a string holding a range of Fabrix versions (e.g. \">=1.0.0 <2.0.0\" or \"^1.2\"), but it is {Describe(element)}.");
            return null;
        }

        var value = ReadString(element, path, int.MaxValue);
        if (value is null)
        {
            return null;
        }

        if (!PlatformRange.TryParse(value, out _, out var problem))
        {
            Error(path, $"The platform range '{value}' {problem}.");
            return null;
        }

        return value;
    }
}
