using System.Globalization;

namespace Fabrix.Core.Lanes.Egress;

/// <summary>
/// Normalises a host name once, before any matching (issue 12 section 1): lower case, one trailing dot removed,
/// internationalised labels converted to punycode (IDNA, STD3 rules), then checked to be a DNS name of letters,
/// digits and hyphens (labels 1-63, at most 253 in all). Anything else is malformed.
/// </summary>
public static class HostName
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>The normalised name, or null when <paramref name="host"/> is not a valid host name.</summary>
    public static string? Normalize(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        if (host.Length == 0 || host.Length > 253 * 4)
        {
            return null;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(host).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        return IsLdhName(ascii) ? ascii : null;
    }

    private static bool IsLdhName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var range in name.AsSpan().Split('.'))
        {
            var label = name.AsSpan()[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

/// <summary>
/// One domain pattern of an allowlist or deny list: an exact name (<c>api.example.com</c>) or a wildcard
/// (<c>*.example.com</c>) that matches every subdomain at any depth but not the apex (Smokescreen's semantics).
/// Patterns are normalised like hosts, so <c>*.BÜCHER.example.</c> matches <c>shop.xn--bcher-kva.example</c>.
/// </summary>
public sealed record DomainPattern
{
    private DomainPattern(string name, bool wildcard)
    {
        Name = name;
        Wildcard = wildcard;
    }

    /// <summary>The normalised name (without <c>*.</c>).</summary>
    public string Name { get; }

    /// <summary>True for <c>*.suffix</c>.</summary>
    public bool Wildcard { get; }

    /// <summary>Parses a pattern; null when it is not an exact name or <c>*.</c> followed by a name.</summary>
    public static DomainPattern? Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var wildcard = pattern.StartsWith("*.", StringComparison.Ordinal);
        var name = HostName.Normalize(wildcard ? pattern[2..] : pattern);
        return name is null ? null : new DomainPattern(name, wildcard);
    }

    /// <summary>Whether the normalised <paramref name="host"/> matches.</summary>
    public bool Matches(string host) => Wildcard
        ? host.Length > Name.Length + 1 && host.EndsWith(Name, StringComparison.Ordinal) && host[^(Name.Length + 1)] == '.'
        : string.Equals(host, Name, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Wildcard ? "*." + Name : Name;
}
