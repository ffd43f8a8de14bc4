using System.Diagnostics.CodeAnalysis;
using Semver;

namespace Fabrix.Contracts.Platform;

/// <summary>
/// The syntax of the manifest's optional <c>platform</c> field (issue 3 section 3): a range of Fabrix versions in
/// the <a href="https://github.com/npm/node-semver/#ranges">npm range syntax</a>, e.g. <c>&gt;=1.0.0 &lt;2.0.0</c>,
/// <c>^1.2</c>, <c>~1.4.0</c>, <c>1.x</c>, <c>1.0.0 - 1.9.0</c> or <c>^1.0.0 || ^2.0.0</c>. npm was chosen because
/// plugin authors in any language already know it. As in npm, a pre-release of Fabrix satisfies a range only when
/// a comparator names a pre-release of the same <c>MAJOR.MINOR.PATCH</c> (<c>&gt;=2.0.0-beta.1</c>), so a plugin
/// written for <c>&lt;2.0.0</c> is not offered to a <c>2.0.0-alpha</c> platform.
/// </summary>
public static class PlatformRange
{
    /// <summary>Longest range text accepted (a guard against pathological input; the schema's maxLength).</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// Parses range text. Returns false with a plain-English <paramref name="problem"/> (to follow "The platform
    /// range '...' ") when the text is empty, too long, not npm range syntax, has an empty <c>||</c> alternative,
    /// or matches no version at all.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SemVersionRange? range, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        range = null;

        // npm reads "" as "*" (any version); a declared but empty range is far more likely a mistake.
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "must not be empty; omit the field to support every Fabrix version";
            return false;
        }

        if (text.Length > MaxLength)
        {
            problem = $"must be at most {MaxLength} characters long";
            return false;
        }

        // npm also reads an empty alternative ("^1.2 ||") as "*": a stray "||" would silently accept every version.
        if (text.Split("||").Any(string.IsNullOrWhiteSpace))
        {
            problem = "has an empty alternative around '||' (npm would read it as every version)";
            return false;
        }

        if (!SemVersionRange.TryParseNpm(text, includeAllPrerelease: false, out var parsed, MaxLength))
        {
            problem = "is not a version range in npm syntax (e.g. >=1.0.0 <2.0.0, ^1.2 or ~1.4.0)";
            return false;
        }

        if (parsed.Count == 0)
        {
            problem = "matches no Fabrix version at all";
            return false;
        }

        range = parsed;
        problem = null;
        return true;
    }
}
