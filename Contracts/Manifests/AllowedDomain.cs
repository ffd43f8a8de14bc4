using System.Net;
using System.Net.Sockets;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// Entries of <c>allowed_domains</c> (seed 004 "Security Validation", issue 2 section 3): a DNS hostname that the
/// proxy lane may reach, optionally prefixed with <c>*.</c> for its subdomains. Names are compared lower-cased.
/// </summary>
/// <remarks>
/// A name is refused when it is not a hostname (scheme, port, path, empty label, bad characters, label over 63
/// or name over 253 characters, leading or trailing hyphen), when it has a single label (it would resolve through
/// the local search list to an internal host; <c>*.com</c> is refused for the same reason), when it names the
/// local machine or a private zone (<c>localhost</c>, <c>*.localhost</c>, <c>*.local</c>, <c>*.internal</c>), and
/// when it is an IP literal in any notation. Resolvers and URL parsers accept IPv4 as dotted quads, short forms
/// (<c>127.1</c>), one decimal integer (<c>2130706433</c>), octal (<c>0177.0.0.1</c>) and hex
/// (<c>0x7f000001</c>); all of them end in a label that is a number, so — as the WHATWG URL standard does — a
/// name whose last label is all digits or <c>0x</c>-hex is treated as an IP literal. IPv6 (bracketed or not)
/// contains ':' and is refused as such. What a hostname resolves to is checked by the proxy at connection time.
/// </remarks>
internal static class AllowedDomain
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    private static readonly string[] s_blockedZones = ["localhost", "local", "internal"];

    /// <summary>Returns null and the normalized (lower-cased) name when acceptable, otherwise why it is not.</summary>
    public static string? Problem(string value, out string normalized)
    {
        normalized = value.ToLowerInvariant();
        if (value.Length == 0)
        {
            return "must not be empty";
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            return "must be a hostname, not a URL (remove the scheme)";
        }

        if (IsIpv6Literal(value))
        {
            return "must be a hostname; IP literals are not allowed";
        }

        if (value.Contains('/', StringComparison.Ordinal))
        {
            return "must be a hostname without a path";
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            return "must be a hostname without a port";
        }

        var name = normalized;
        if (name.StartsWith("*.", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        if (name.Contains('*', StringComparison.Ordinal))
        {
            return "may use a wildcard only as a leading '*.'";
        }

        if (value.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters long";
        }

        var labels = name.Split('.');
        foreach (var label in labels)
        {
            var problem = LabelProblem(label);
            if (problem is not null)
            {
                return problem;
            }
        }

        var last = labels[^1];
        if (IsNumericLabel(last) || IPAddress.TryParse(name, out _))
        {
            return "must be a hostname; IP literals are not allowed (in any notation)";
        }

        foreach (var zone in s_blockedZones)
        {
            if (name == zone || name.EndsWith("." + zone, StringComparison.Ordinal))
            {
                return $"must not name the local machine or a private zone ('{zone}')";
            }
        }

        if (labels.Length < 2)
        {
            return "must be a fully qualified name with at least two labels (e.g. api.example.com)";
        }

        return null;
    }

    private static string? LabelProblem(string label)
    {
        if (label.Length == 0)
        {
            return "must not contain an empty label ('..', or a leading or trailing '.')";
        }

        if (label.Length > MaxLabelLength)
        {
            return $"must not contain a label longer than {MaxLabelLength} characters";
        }

        foreach (var c in label)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return c > 127
                    ? "must be ASCII; write internationalized names in their punycode form (xn--...)"
                    : $"must contain only letters, digits, '-' and '.', not '{c}'";
            }
        }

        if (label[0] == '-' || label[^1] == '-')
        {
            return "must not contain a label that starts or ends with '-'";
        }

        return null;
    }

    // WHATWG URL "ends in a number": the last label is decimal digits or 0x followed by hex digits.
    private static bool IsNumericLabel(string label)
    {
        if (label.All(char.IsAsciiDigit))
        {
            return true;
        }

        return label.StartsWith("0x", StringComparison.Ordinal) && label[2..].All(char.IsAsciiHexDigitLower);
    }

    private static bool IsIpv6Literal(string value)
    {
        var candidate = value.Length > 1 && value[0] == '[' ? value.TrimStart('[').Split(']')[0] : value;
        return candidate.Contains(':', StringComparison.Ordinal)
            && IPAddress.TryParse(candidate, out var address)
            && address.AddressFamily == AddressFamily.InterNetworkV6;
    }
}
