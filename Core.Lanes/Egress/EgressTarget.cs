using System.Buffers;

namespace Fabrix.Core.Lanes.Egress;

/// <summary>
/// Where a plugin wants to go, read from the text it gave: an authority (<c>host</c>, <c>host:port</c>,
/// <c>[v6]:port</c>, as in a CONNECT request) or an absolute http(s) URL (as in a forward-proxy request line). Parsed
/// by hand, not by <see cref="Uri"/>, so that the host the decision sees is byte for byte the host written: no
/// canonicalisation happens before <see cref="HostLiteral"/> and <see cref="HostName"/> read it.
/// </summary>
/// <param name="Host">The host as written (IPv6 with its brackets).</param>
/// <param name="Port">The port (explicit, or the scheme's default, or <paramref name="Port"/> given by the caller).</param>
public readonly record struct EgressTarget(string Host, int Port)
{
    private static readonly SearchValues<char> AuthorityEnd = SearchValues.Create("/?#\\");
    private static readonly SearchValues<char> NotInAuthority = SearchValues.Create(" \t\r\n\0@/\\%");
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    /// <summary>Reads <paramref name="text"/>; on failure <paramref name="reason"/> is <see cref="EgressReasons.Malformed"/> or <see cref="EgressReasons.CredentialsInUrl"/>.</summary>
    /// <param name="text">The target.</param>
    /// <param name="defaultPort">The port of an authority without one.</param>
    /// <param name="target">The target read.</param>
    /// <param name="reason">Why it could not be read.</param>
    public static bool TryParse(string text, int defaultPort, out EgressTarget target, out string reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        target = default;
        reason = EgressReasons.Malformed;
        var authority = text.AsSpan();
        var schemeEnd = authority.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            var scheme = authority[..schemeEnd];
            if (scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                defaultPort = 80;
            }
            else if (scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                defaultPort = 443;
            }
            else
            {
                return false;
            }

            authority = authority[(schemeEnd + 3)..];
            var end = authority.IndexOfAny(AuthorityEnd);
            if (end >= 0)
            {
                authority = authority[..end];
            }

            if (authority.Contains('@'))
            {
                reason = EgressReasons.CredentialsInUrl;
                return false;
            }
        }

        if (authority.IsEmpty || authority.ContainsAny(NotInAuthority))
        {
            return false;
        }

        ReadOnlySpan<char> host;
        var port = defaultPort;
        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            host = authority[..(close + 1)];
            var rest = authority[(close + 1)..];
            if (!rest.IsEmpty && (rest[0] != ':' || !TryPort(rest[1..], out port)))
            {
                return false;
            }
        }
        else if (authority.Count(':') > 1)
        {
            // A bare IPv6 literal (no port): accepted on the command line, bracketed for the decision.
            if (HostLiteral.ReadV6(authority, out _) != HostLiteral.Kind.Address)
            {
                return false;
            }

            host = $"[{authority}]";
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0 && !TryPort(authority[(colon + 1)..], out port))
            {
                return false;
            }
        }

        if (host.IsEmpty || port is < 1 or > 65535)
        {
            return false;
        }

        target = new EgressTarget(host.ToString(), port);
        reason = EgressReasons.Allowed;
        return true;
    }

    private static bool TryPort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && !text.ContainsAnyExcept(Digits) && int.TryParse(text, out port) && port is >= 1 and <= 65535;
    }
}
