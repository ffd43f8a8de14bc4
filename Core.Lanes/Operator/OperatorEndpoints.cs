using System.Runtime.CompilerServices;
using Fabrix.Contracts.Manifests;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Lanes.Operator;

/// <summary>
/// A plugin's declared endpoints compiled once per <see cref="PluginPolicy"/> instance (entries are immutable and a
/// change replaces the entry, so the compiled form lives exactly as long as its entry: a weak table keyed by the
/// instance). Grouped by segment count and ordered most specific first (at the first differing segment a literal
/// beats a parameter), so the first match is the endpoint reported.
/// </summary>
internal sealed class OperatorEndpoints
{
    private static readonly ConditionalWeakTable<PluginPolicy, OperatorEndpoints> Compiled = [];
    private static readonly ConditionalWeakTable<PluginPolicy, OperatorEndpoints>.CreateValueCallback Compile = policy => new OperatorEndpoints(policy.Endpoints);

    private readonly Endpoint[][] _bySegmentCount;

    internal OperatorEndpoints(IEnumerable<KeyValuePair<string, string>> endpoints)
    {
        var parsed = new List<Endpoint>();
        foreach (var (name, value) in endpoints)
        {
            // A value that does not parse (a manifest pinned before issue 10 tightened the syntax) never matches: fail closed.
            if (EndpointTemplate.TryParse(value, out var template, out _))
            {
                parsed.Add(new Endpoint(name, template));
            }
        }

        var longest = parsed.Count == 0 ? 0 : parsed.Max(e => e.Template.Segments.Count);
        _bySegmentCount = new Endpoint[longest + 1][];
        for (var count = 0; count <= longest; count++)
        {
            var group = parsed.Where(e => e.Template.Segments.Count == count).ToList();
            group.Sort(CompareSpecificity);
            _bySegmentCount[count] = [.. group];
        }
    }

    /// <summary>The compiled endpoints of <paramref name="policy"/>, compiled on first use.</summary>
    public static OperatorEndpoints For(PluginPolicy policy) => Compiled.GetValue(policy, Compile);

    /// <summary>
    /// Matches a checked path (see <see cref="OperatorPath.Check"/>) and a method. Literal segments compare with the
    /// raw segment ordinally; a parameter takes any (non-empty) segment.
    /// </summary>
    public EndpointMatch Match(ReadOnlySpan<char> method, ReadOnlySpan<char> path)
    {
        Span<Range> segments = stackalloc Range[OperatorPath.MaxSegments + 1];
        var count = path.Length <= 1 ? 0 : path[1..].Split(segments, '/');
        if (count >= _bySegmentCount.Length)
        {
            return new EndpointMatch(null, PathMatched: false);
        }

        var body = path.Length <= 1 ? default : path[1..];
        var pathMatched = false;
        foreach (var endpoint in _bySegmentCount[count])
        {
            if (!Matches(endpoint.Template.Segments, body, segments[..count]))
            {
                continue;
            }

            if (endpoint.Template.AllowsMethod(method))
            {
                return new EndpointMatch(endpoint.Name, PathMatched: true);
            }

            pathMatched = true;
        }

        return new EndpointMatch(null, pathMatched);
    }

    private static bool Matches(IReadOnlyList<EndpointSegment> template, ReadOnlySpan<char> body, ReadOnlySpan<Range> segments)
    {
        for (var i = 0; i < segments.Length; i++)
        {
            var expected = template[i];
            if (!expected.IsParameter && !body[segments[i]].SequenceEqual(expected.Text))
            {
                return false;
            }
        }

        return true;
    }

    private static int CompareSpecificity(Endpoint a, Endpoint b)
    {
        for (var i = 0; i < a.Template.Segments.Count; i++)
        {
            var byKind = a.Template.Segments[i].IsParameter.CompareTo(b.Template.Segments[i].IsParameter);
            if (byKind != 0)
            {
                return byKind;
            }
        }

        // Method-restricted before any-method, then by name: deterministic whatever the manifest's order.
        var byMethods = a.Template.AnyMethod == b.Template.AnyMethod ? 0 : a.Template.AnyMethod ? 1 : -1;
        return byMethods != 0 ? byMethods : string.CompareOrdinal(a.Name, b.Name);
    }

    private sealed record Endpoint(string Name, EndpointTemplate Template);
}

/// <summary>The outcome of <see cref="OperatorEndpoints.Match"/>.</summary>
/// <param name="Name">The matched endpoint's name, or null.</param>
/// <param name="PathMatched">True when some endpoint's path matched (whether or not its methods allowed the call).</param>
internal readonly record struct EndpointMatch(string? Name, bool PathMatched);
