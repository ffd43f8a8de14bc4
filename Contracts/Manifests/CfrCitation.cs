using System.Text.RegularExpressions;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// HIPAA control citations of the Code of Federal Regulations: <c>164.312(a)</c>, <c>164.312(a)(2)</c>,
/// <c>164.312(a)(2)(iv)</c> — part and section (three digits each), a lower-case paragraph letter, an optional
/// numbered sub-paragraph (1, 2, ... without leading zeros) and, inside it, an optional lower-case roman
/// sub-paragraph that must be a canonical numeral (<c>iv</c>, not <c>iiii</c> or <c>vx</c>).
/// </summary>
internal static partial class CfrCitation
{
    public static bool IsValid(string value)
    {
        var match = Shape().Match(value);
        if (!match.Success)
        {
            return false;
        }

        var roman = match.Groups["roman"];
        return !roman.Success || RomanNumeral().IsMatch(roman.Value);
    }

    // ASCII digits only ([0-9], not \d, which matches every Unicode digit in .NET) and \z, not $, which
    // accepts a trailing newline.
    [GeneratedRegex(@"^[0-9]{3}\.[0-9]{3}\([a-z]\)(?:\([1-9][0-9]*\)(?:\((?<roman>[ivxlcdm]+)\))?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    [GeneratedRegex(@"^m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})\z", RegexOptions.CultureInvariant)]
    private static partial Regex RomanNumeral();
}
