using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Fabrix.Core.Lanes.Egress;

/// <summary>
/// Reads IP literals the way HTTP clients and resolvers do, so that no notation slips past the classifier
/// (issue 12 section 1). IPv4 follows the WHATWG URL host parser (the inet_aton family): a host whose last label is a
/// number is an IPv4 address in 1 to 4 parts, each decimal, <c>0x</c> hex or <c>0</c>-prefixed octal, the last part
/// filling the remaining bytes (<c>127.1</c>, <c>2130706433</c>, <c>0x7f000001</c>, <c>0177.0.0.1</c>). Such a host
/// that does not parse is malformed, never a name. IPv6 is bracketed in an authority; zone ids are refused.
/// </summary>
public static class HostLiteral
{
    private static readonly SearchValues<char> Decimal = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>How a host text reads.</summary>
    public enum Kind
    {
        /// <summary>Not an IP literal: a name to normalise and resolve.</summary>
        Name,

        /// <summary>An IP literal, in <c>address</c>.</summary>
        Address,

        /// <summary>Looks like an IP literal (numeric last label, brackets, colons) but is not a valid one.</summary>
        Malformed,
    }

    /// <summary>Reads <paramref name="host"/> (as it appears in an authority: IPv6 in brackets).</summary>
    public static Kind Read(ReadOnlySpan<char> host, out IPAddress? address)
    {
        address = null;
        if (host.Length >= 2 && host[0] == '[' && host[^1] == ']')
        {
            return ReadV6(host[1..^1], out address);
        }

        if (host.Contains(':') || host.Contains('[') || host.Contains(']'))
        {
            return Kind.Malformed;
        }

        return EndsInNumber(host) ? ReadV4(host, out address) : Kind.Name;
    }

    /// <summary>Reads an unbracketed IPv6 literal (zero-padded or compressed, with an embedded v4 tail); no zone id.</summary>
    public static Kind ReadV6(ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Contains('%') || !text.Contains(':'))
        {
            return Kind.Malformed;
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                return Kind.Malformed;
            }
        }

        if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return Kind.Malformed;
        }

        address = parsed;
        return Kind.Address;
    }

    // WHATWG "ends in a number checker": the last label (after one trailing dot) is all decimal digits, or 0x + hex.
    private static bool EndsInNumber(ReadOnlySpan<char> host)
    {
        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        var last = host[(host.LastIndexOf('.') + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }

        if (!last.ContainsAnyExcept(Decimal))
        {
            return true;
        }

        return last.Length >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x' && !last[2..].ContainsAnyExcept(Hex);
    }

    private static Kind ReadV4(ReadOnlySpan<char> host, out IPAddress? address)
    {
        address = null;
        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        Span<ulong> parts = stackalloc ulong[4];
        var count = 0;
        foreach (var range in host.Split('.'))
        {
            if (count == 4 || !TryParsePart(host[range], out parts[count]))
            {
                return Kind.Malformed;
            }

            count++;
        }

        for (var i = 0; i < count - 1; i++)
        {
            if (parts[i] > 255)
            {
                return Kind.Malformed;
            }
        }

        var lastBytes = 5 - count;
        if (parts[count - 1] >= 1UL << (8 * lastBytes))
        {
            return Kind.Malformed;
        }

        ulong value = parts[count - 1];
        for (var i = 0; i < count - 1; i++)
        {
            value |= parts[i] << (8 * (3 - i));
        }

        address = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        return Kind.Address;
    }

    private static bool TryParsePart(ReadOnlySpan<char> part, out ulong value)
    {
        value = 0;
        if (part.IsEmpty || part.Length > 32)
        {
            return false;
        }

        var radix = 10;
        if (part.Length >= 2 && part[0] == '0' && (part[1] | 0x20) == 'x')
        {
            radix = 16;
            part = part[2..];
        }
        else if (part.Length >= 2 && part[0] == '0')
        {
            radix = 8;
            part = part[1..];
        }

        foreach (var c in part)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiHexDigit(c) ? (c | 0x20) - 'a' + 10 : int.MaxValue;
            if (digit >= radix)
            {
                return false;
            }

            value = value * (ulong)radix + (ulong)digit;
            if (value > uint.MaxValue)
            {
                return false;
            }
        }

        return true;
    }
}
