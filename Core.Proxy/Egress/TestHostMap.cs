using System.Net;
using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>
/// TEST ONLY (<c>Fabrix:Proxy:UnsafeTestOnlyHosts</c>): names the proxy resolves to a fixed address instead of asking the
/// system resolver, so that a local receiver can have a name for a plugin's <c>allowed_domains</c> (which holds names
/// only) without touching the machine's DNS. The answer is still classified like any other: a loopback address is
/// refused unless it is also inside <c>UnsafeTestOnlyAllowedRange</c>. Refused outside Development, like the allowance.
/// </summary>
internal sealed class TestHostMapResolver(IReadOnlyDictionary<string, IPAddress> hosts, IEgressResolver system) : IEgressResolver
{
    public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
        hosts.TryGetValue(host, out var address) ? ValueTask.FromResult<IReadOnlyList<IPAddress>>([address]) : system.ResolveAsync(host, cancellationToken);

    /// <summary>Parses <c>name=address</c> entries (validation guarantees each parses); names are normalised as the decision normalises them.</summary>
    public static Dictionary<string, IPAddress> Parse(IEnumerable<string> entries)
    {
        var hosts = new Dictionary<string, IPAddress>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (TryParseEntry(entry, out var name, out var address))
            {
                hosts[name] = address;
            }
        }

        return hosts;
    }

    public static bool TryParseEntry(string? entry, out string name, out IPAddress address)
    {
        name = string.Empty;
        address = IPAddress.None;
        var equals = entry?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (entry is null || equals <= 0 || !IPAddress.TryParse(entry.AsSpan(equals + 1).Trim(), out var parsed)
            || HostName.Normalize(entry[..equals].Trim()) is not { } normalized)
        {
            return false;
        }

        name = normalized;
        address = parsed;
        return true;
    }
}
