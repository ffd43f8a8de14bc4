using System.Buffers;
using Fabrix.Contracts.Errors;

namespace Fabrix.Core.Lanes.Operator;

/// <summary>
/// The Operator lane's path check (issue 10 section 2), run once before matching: a raw request path is accepted as
/// it is or refused with a reason code; it is never rewritten, so the path that matched is the path forwarded, byte
/// for byte. Modelled on Spring Security's StrictHttpFirewall and on the gaps behind Dapr's service-invocation ACL
/// bypasses (CVE-2023-37918-style encoded dots and separators): anything a server behind the gateway could read
/// differently from the matcher is refused. Works on spans and allocates nothing.
/// </summary>
public static class OperatorPath
{
    /// <summary>Longest path accepted, in characters (an endpoint template is at most 512; parameters add the rest).</summary>
    public const int MaxLength = 4096;

    /// <summary>Most segments accepted.</summary>
    public const int MaxSegments = 128;

    /// <summary>Characters that need no look of their own: <c>/</c> and the raw-allowed <c>pchar</c>s except <c>%</c>. A path of only these (most paths) skips the per-character scan; <c>.</c> is judged per segment.</summary>
    private static readonly SearchValues<char> Plain =
        SearchValues.Create("/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,=:@");

    /// <summary>
    /// Checks a raw path (the request target's path part: no query, no scheme or authority). Returns null when it is
    /// acceptable, otherwise the refusal code (<see cref="RefusalCodes"/>). The root path <c>/</c> is acceptable; any
    /// other path is <c>/</c>-separated non-empty segments, so a trailing slash is refused as an empty segment.
    /// </summary>
    public static string? Check(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path[0] != '/')
        {
            return RefusalCodes.PathInvalidCharacter;
        }

        if (path.Length > MaxLength)
        {
            return RefusalCodes.PathTooLong;
        }

        if (path.Length == 1)
        {
            return null;
        }

        // Vectorised pre-scan: with nothing but plain characters only the segment structure is left to check.
        var plain = path.IndexOfAnyExcept(Plain) < 0;
        var segments = 0;
        var rest = path[1..];
        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (++segments > MaxSegments)
            {
                return RefusalCodes.PathTooLong;
            }

            var problem = plain ? CheckStructure(segment) : CheckSegment(segment);
            if (problem is not null)
            {
                return problem;
            }

            if (slash < 0)
            {
                return null;
            }

            rest = rest[(slash + 1)..];
        }
    }

    /// <summary>Human-readable meaning of a path refusal code, for ProblemDetails and the CLI's table.</summary>
    public static string Describe(string code) => code switch
    {
        RefusalCodes.PathInvalidCharacter => "The path is not absolute or holds a character that must not appear raw in a path.",
        RefusalCodes.PathTooLong => "The path is longer than 4096 characters or has more than 128 segments.",
        RefusalCodes.PathDotSegment => "The path has a '.' or '..' segment or an encoded '.'.",
        RefusalCodes.PathEncodedSeparator => "The path has an encoded '/' or '\\'.",
        RefusalCodes.PathEncodedPercent => "The path has an encoded '%' (double encoding).",
        RefusalCodes.PathControlCharacter => "The path has a NUL or control character, raw or encoded.",
        RefusalCodes.PathParameter => "The path has a ';' path parameter.",
        RefusalCodes.PathEmptySegment => "The path has an empty segment ('//' or a trailing '/').",
        RefusalCodes.PathMalformedEncoding => "The path has malformed or non-UTF-8 percent-encoding.",
        RefusalCodes.PathBackslash => "The path has a backslash.",
        RefusalCodes.PathLookalikeCharacter => "The path has an encoded character that is read as '.', '/', '\\', '%' or ';' after Unicode compatibility mapping.",
        _ => "The path is refused.",
    };

    private static string? CheckStructure(ReadOnlySpan<char> segment) =>
        segment.IsEmpty ? RefusalCodes.PathEmptySegment
        : segment is "." or ".." ? RefusalCodes.PathDotSegment
        : null;

    private static string? CheckSegment(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return RefusalCodes.PathEmptySegment;
        }

        if (segment is "." or "..")
        {
            return RefusalCodes.PathDotSegment;
        }

        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%')
            {
                var problem = CheckEncoded(segment, ref i);
                if (problem is not null)
                {
                    return problem;
                }

                continue;
            }

            var refusal = CheckRaw(c);
            if (refusal is not null)
            {
                return refusal;
            }
        }

        return null;
    }

    /// <summary>RFC 3986 <c>pchar</c> (unreserved, sub-delims, <c>:</c>, <c>@</c>) less <c>;</c>; the rest is refused raw.</summary>
    private static string? CheckRaw(char c) => c switch
    {
        < ' ' or '\x7F' => RefusalCodes.PathControlCharacter,
        >= '\x80' and <= '\x9F' => RefusalCodes.PathControlCharacter,
        > '\x7F' => RefusalCodes.PathInvalidCharacter,
        '\\' => RefusalCodes.PathBackslash,
        ';' => RefusalCodes.PathParameter,
        _ when char.IsAsciiLetterOrDigit(c) => null,
        '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or '=' or ':' or '@' => null,
        _ => RefusalCodes.PathInvalidCharacter,
    };

    /// <summary>
    /// One percent-encoded character starting at <paramref name="i"/> (a <c>%</c>): an ASCII byte, or a whole UTF-8
    /// sequence of encoded bytes (RFC 3629 well-formed: no overlong form, no surrogate, nothing above U+10FFFF).
    /// Leaves <paramref name="i"/> on the last character consumed.
    /// </summary>
    private static string? CheckEncoded(ReadOnlySpan<char> segment, ref int i)
    {
        if (!TryReadByte(segment, i, out var first))
        {
            return RefusalCodes.PathMalformedEncoding;
        }

        i += 2;
        if (first < 0x80)
        {
            return first switch
            {
                < 0x20 or 0x7F => RefusalCodes.PathControlCharacter,
                (byte)'%' => RefusalCodes.PathEncodedPercent,
                (byte)'/' or (byte)'\\' => RefusalCodes.PathEncodedSeparator,
                (byte)'.' => RefusalCodes.PathDotSegment,
                (byte)';' => RefusalCodes.PathParameter,
                _ => null,
            };
        }

        // Lead byte: C2..DF two bytes, E0..EF three, F0..F4 four. C0, C1 (overlong) and F5..FF never start UTF-8.
        int length;
        int codePoint;
        byte low = 0x80, high = 0xBF;
        switch (first)
        {
            case >= 0xC2 and <= 0xDF:
                length = 2;
                codePoint = first & 0x1F;
                break;
            case >= 0xE0 and <= 0xEF:
                length = 3;
                codePoint = first & 0x0F;
                (low, high) = first switch { 0xE0 => ((byte)0xA0, (byte)0xBF), 0xED => ((byte)0x80, (byte)0x9F), _ => (low, high) };
                break;
            case >= 0xF0 and <= 0xF4:
                length = 4;
                codePoint = first & 0x07;
                (low, high) = first switch { 0xF0 => ((byte)0x90, (byte)0xBF), 0xF4 => ((byte)0x80, (byte)0x8F), _ => (low, high) };
                break;
            default:
                return RefusalCodes.PathMalformedEncoding;
        }

        for (var k = 1; k < length; k++)
        {
            if (i + 1 >= segment.Length || segment[i + 1] != '%' || !TryReadByte(segment, i + 1, out var next) || next < low || next > high)
            {
                return RefusalCodes.PathMalformedEncoding;
            }

            codePoint = (codePoint << 6) | (next & 0x3F);
            (low, high) = (0x80, 0xBF);
            i += 3;
        }

        if (codePoint is >= 0x80 and <= 0x9F)
        {
            return RefusalCodes.PathControlCharacter;
        }

        return IsLookalike(codePoint) ? RefusalCodes.PathLookalikeCharacter : null;
    }

    private static bool TryReadByte(ReadOnlySpan<char> text, int percent, out byte value)
    {
        value = 0;
        if (percent + 2 >= text.Length)
        {
            return false;
        }

        var hi = HexValue(text[percent + 1]);
        var lo = HexValue(text[percent + 2]);
        if (hi < 0 || lo < 0)
        {
            return false;
        }

        value = (byte)((hi << 4) | lo);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// Code points whose NFKC form contains <c>.</c>, <c>/</c>, <c>\</c>, <c>%</c> or <c>;</c> (computed from Unicode
    /// 14.0 over every code point), plus look-alike slashes and stops that Windows best-fit mappings and some
    /// normalising servers fold (U+2044, U+2215, U+2216, U+29F8, U+29F9, U+3002, U+FF61). A server that normalises
    /// after the gateway matched would otherwise see a separator or a dot segment the matcher did not.
    /// </summary>
    private static bool IsLookalike(int codePoint) => codePoint switch
    {
        0x037E or 0x2044 or 0x2100 or 0x2101 or 0x2105 or 0x2106 or 0x2215 or 0x2216 or 0x29F8 or 0x29F9 => true,
        >= 0x2024 and <= 0x2026 => true,
        >= 0x2488 and <= 0x249B => true,
        0x3002 or 0x33C2 or 0x33C7 or 0x33D8 => true,
        0xFE14 or 0xFE19 or 0xFE30 or 0xFE52 or 0xFE54 or 0xFE68 or 0xFE6A => true,
        0xFF05 or 0xFF0E or 0xFF0F or 0xFF1B or 0xFF3C or 0xFF61 => true,
        0x1F100 => true,
        _ => false,
    };
}
