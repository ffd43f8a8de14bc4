using System.Diagnostics.CodeAnalysis;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// One manifest <c>endpoints</c> value, parsed (issue 10 section 2): <c>"/path/{param}"</c> (any method) or
/// <c>"METHOD[,METHOD...] /path/{param}"</c>. The one parser of the syntax: the validator, the Operator lane and
/// <c>fabrix gateway check</c> all use it. Immutable.
/// </summary>
/// <remarks>
/// Grammar (the JSON Schema states the same as a pattern):
/// <list type="bullet">
/// <item>methods: optional, upper case, from <see cref="StandardMethods"/>, comma-separated without spaces, each once,
/// then exactly one space;</item>
/// <item>path: <c>/</c> alone, or <c>/</c>-separated non-empty segments (no <c>//</c>, no trailing <c>/</c>, no
/// <c>.</c> or <c>..</c> segment), each either a parameter <c>{name}</c> that is the whole segment (a letter or
/// <c>_</c>, then letters, digits, <c>_</c>; each name once) or literal text of the RFC 3986 segment characters
/// without <c>;</c> and without percent-encoding: letters, digits and <c>-._~!$&amp;'()*+,=:@</c>.</item>
/// </list>
/// Each rule keeps a template matchable: the Operator lane refuses requests with empty, dot or <c>;</c> segments,
/// and compares literal segments with the request's raw text, so an encoded request segment can only ever match a
/// parameter. A parameter matches exactly one non-empty segment; there is no catch-all.
/// </remarks>
public sealed class EndpointTemplate
{
    /// <summary>Methods a template may name (RFC 9110 section 9 and RFC 5789), upper case. CONNECT and TRACE are not forwarded.</summary>
    public static IReadOnlyList<string> StandardMethods { get; } = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private EndpointTemplate(string value, IReadOnlyList<string> methods, string path, IReadOnlyList<EndpointSegment> segments)
    {
        Value = value;
        Methods = methods;
        Path = path;
        Segments = segments;
    }

    /// <summary>The declared value exactly as written in the manifest.</summary>
    public string Value { get; }

    /// <summary>The methods named, in declared order; empty when the value names none (any method).</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>True when the value names no method: every method matches.</summary>
    public bool AnyMethod => Methods.Count == 0;

    /// <summary>The path part, e.g. <c>/api/users/{id}</c>.</summary>
    public string Path { get; }

    /// <summary>The path's segments in order; empty for the root path <c>/</c>.</summary>
    public IReadOnlyList<EndpointSegment> Segments { get; }

    /// <summary>True when <paramref name="method"/> (compared exactly: methods are case-sensitive) is allowed.</summary>
    public bool AllowsMethod(ReadOnlySpan<char> method)
    {
        if (AnyMethod)
        {
            return true;
        }

        // Indexed, not foreach: an interface enumerator would allocate on the Operator lane's hot path.
        for (var i = 0; i < Methods.Count; i++)
        {
            if (method.SequenceEqual(Methods[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses <paramref name="value"/>; throws <see cref="FormatException"/> with the problem when it is not a template.</summary>
    public static EndpointTemplate Parse(string value) =>
        TryParse(value, out var template, out var problem) ? template : throw new FormatException($"Not an endpoint template: {problem}.");

    /// <summary>
    /// Parses <paramref name="value"/>. On failure <paramref name="problem"/> says why, as the end of a sentence that
    /// starts with "The endpoint " (e.g. "names the method 'get', which must be upper case").
    /// </summary>
    public static bool TryParse(string value, [NotNullWhen(true)] out EndpointTemplate? template, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(value);
        template = null;
        var path = value;
        IReadOnlyList<string> methods = [];
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space >= 0)
        {
            problem = ParseMethods(value.AsSpan(0, space), out var named);
            if (problem is not null)
            {
                return false;
            }

            methods = named;
            path = value[(space + 1)..];
            if (path.Length == 0 || path[0] == ' ')
            {
                problem = "must separate its methods from its path with exactly one space";
                return false;
            }
        }

        problem = ParsePath(path, out var segments);
        if (problem is not null)
        {
            return false;
        }

        template = new EndpointTemplate(value, methods, path, segments);
        return true;
    }

    private static string? ParseMethods(ReadOnlySpan<char> text, out List<string> methods)
    {
        methods = [];
        if (text.IsEmpty)
        {
            return "must not start with a space (write 'GET /path' or just '/path')";
        }

        if (text[0] == '/')
        {
            return "must not contain whitespace in its path";
        }

        foreach (var range in text.Split(','))
        {
            var name = text[range];
            if (name.IsEmpty)
            {
                return "has an empty method in its list (write methods as 'GET,POST', without spaces)";
            }

            var known = Known(name);
            if (known is null)
            {
                var quoted = Quote(name);
                return Known(name.ToString().ToUpperInvariant()) is not null
                    ? $"names the method {quoted}, which must be upper case"
                    : $"names the method {quoted}, which is not one of {string.Join(", ", StandardMethods)}";
            }

            if (methods.Contains(known, StringComparer.Ordinal))
            {
                return $"names the method '{known}' more than once";
            }

            methods.Add(known);
        }

        return null;
    }

    private static string? Known(ReadOnlySpan<char> name)
    {
        foreach (var method in StandardMethods)
        {
            if (name.SequenceEqual(method))
            {
                return method;
            }
        }

        return null;
    }

    private static string? ParsePath(string path, out List<EndpointSegment> segments)
    {
        segments = [];
        if (path.Length == 0 || path[0] != '/')
        {
            return "must have an absolute path starting with '/'";
        }

        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            return "must not start with '//' (that names another host, not a path)";
        }

        foreach (var c in path)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "must not contain whitespace or control characters";
            }

            switch (c)
            {
                case '?':
                    return "must not contain a query ('?')";
                case '#':
                    return "must not contain a fragment ('#')";
                case '%':
                    return "must not contain percent-encoding (a request's encoded segment is matched by a {parameter})";
                case ';':
                    return "must not contain ';' (path parameters are refused by the gateway)";
                case '\\':
                    return "must not contain '\\'";
            }
        }

        if (path.Length == 1)
        {
            return null;
        }

        if (path[^1] == '/')
        {
            return "must not end with '/' (the gateway refuses a trailing slash as an empty segment)";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in path[1..].Split('/'))
        {
            var problem = ParseSegment(text, names, out var segment);
            if (problem is not null)
            {
                return problem;
            }

            segments.Add(segment);
        }

        return null;
    }

    private static string? ParseSegment(string text, HashSet<string> names, out EndpointSegment segment)
    {
        segment = default;
        if (text.Length == 0)
        {
            return "must not contain an empty segment ('//')";
        }

        if (text is "." or "..")
        {
            return $"must not contain a '{text}' segment";
        }

        if (text[0] == '{' && text[^1] == '}')
        {
            var name = text[1..^1];
            if (name.StartsWith('*'))
            {
                return "must not contain a catch-all parameter ('{*...}'): a parameter matches exactly one segment";
            }

            if (!IsParameterName(name))
            {
                return $"has the parameter {Quote(text)}; a parameter is a whole segment '{{name}}', name a letter or '_' then letters, digits or '_'";
            }

            if (!names.Add(name))
            {
                return $"names the parameter '{{{name}}}' more than once";
            }

            segment = new EndpointSegment(name, IsParameter: true);
            return null;
        }

        foreach (var c in text)
        {
            if (c is '{' or '}')
            {
                return $"has the segment {Quote(text)}; a parameter must be a whole segment '{{name}}'";
            }

            if (!IsLiteralCharacter(c))
            {
                return $"has the segment {Quote(text)}; literal segments use letters, digits and -._~!$&'()*+,=:@ only";
            }
        }

        segment = new EndpointSegment(text, IsParameter: false);
        return null;
    }

    private static bool IsParameterName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 3986 <c>pchar</c> without percent-encoding and without <c>;</c>.</summary>
    private static bool IsLiteralCharacter(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or '=' or ':' or '@';

    private static string Quote(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !"-._~!$&'()*+,=:@{}*%".Contains(c, StringComparison.Ordinal))
            {
                return "(not shown)";
            }
        }

        return text.Length <= 64 ? $"'{text}'" : "(not shown)";
    }
}

/// <summary>One segment of an <see cref="EndpointTemplate"/>.</summary>
/// <param name="Text">The literal text, or the parameter's name (without braces).</param>
/// <param name="IsParameter">True for a <c>{name}</c> parameter: it matches exactly one non-empty segment.</param>
public readonly record struct EndpointSegment(string Text, bool IsParameter);
