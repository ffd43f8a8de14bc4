using System.Net;
using System.Net.Sockets;

namespace Fabrix.Core.Lanes.Egress;

/// <summary>Resolves a host name for egress. An empty answer or an exception is unresolvable: the decision fails closed.</summary>
public interface IEgressResolver
{
    /// <summary>Every address the name has.</summary>
    ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver (<see cref="Dns"/>).</summary>
public sealed class SystemEgressResolver : IEgressResolver
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
        await Dns.GetHostAddressesAsync(host, AddressFamily.Unspecified, cancellationToken);
}

/// <summary>What a decision is made from, for one plugin.</summary>
/// <param name="AllowedDomains">The plugin's allowlist; null checks addresses only (the offline check without <c>--allow-domain</c>).</param>
/// <param name="DeniedDomains">The global deny list.</param>
/// <param name="ReportMode">Report mode: a domain refusal is allowed but marked (<see cref="EgressDecision.WouldRefuse"/>).</param>
/// <param name="TestAllowance">A test-only range whose addresses count as public; null outside tests.</param>
public sealed record EgressRules(IReadOnlyList<DomainPattern>? AllowedDomains, IReadOnlyList<DomainPattern> DeniedDomains, bool ReportMode = false, IPNetwork? TestAllowance = null);

/// <summary>One address the decision classified.</summary>
/// <param name="Address">The address.</param>
/// <param name="Class">Its class (<see cref="AddressClass.Public"/> also for an address inside the test allowance).</param>
public readonly record struct ClassifiedAddress(IPAddress Address, AddressClass Class);

/// <summary>An egress decision (a value; the lane maps it to a status and an audit record).</summary>
/// <param name="Allowed">Whether to connect.</param>
/// <param name="Reason">An <see cref="EgressReasons"/> code: <c>allowed</c>, or why not (in report mode, what enforce mode would have refused).</param>
/// <param name="Host">The normalised host (a name, or an address's text), null when malformed.</param>
/// <param name="Port">The port.</param>
/// <param name="Addresses">What was classified, in resolver order.</param>
/// <param name="DialAddress">The checked address to connect to when allowed: never resolve the name again (DNS rebinding).</param>
/// <param name="WouldRefuse">True when report mode allowed what enforce mode refuses.</param>
public sealed record EgressDecision(bool Allowed, string Reason, string? Host, int Port, IReadOnlyList<ClassifiedAddress> Addresses, IPAddress? DialAddress, bool WouldRefuse);

/// <summary>
/// The Proxy lane's decision, shared by Core.Proxy, the webhook deliveries of Core.Events and
/// <c>fabrix egress check</c> (issue 12 sections 1 and 3). Order: malformed → deny list → allowlist (an IP literal is
/// never allowlisted; names refused here are not resolved) → resolve (nothing: unresolvable) → classify every address
/// (any non-public one refuses). Report mode turns only the allowlist refusal into an allow; the deny list and the
/// address classes are enforced always.
/// </summary>
public static class EgressDecider
{
    /// <summary>Decides for <paramref name="target"/>.</summary>
    public static async ValueTask<EgressDecision> DecideAsync(EgressTarget target, EgressRules rules, IEgressResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(resolver);

        switch (HostLiteral.Read(target.Host, out var literal))
        {
            case HostLiteral.Kind.Malformed:
                return Refuse(EgressReasons.Malformed, null, target.Port, []);
            case HostLiteral.Kind.Address:
                var text = literal!.ToString();
                var classified = Classify([literal], rules);
                var unsafeAddress = FirstNotPublic(classified);
                if (unsafeAddress is { } bad)
                {
                    return Refuse(EgressReasons.For(bad.Class), text, target.Port, classified);
                }

                return rules.AllowedDomains is null ? Allow(text, target.Port, classified, wouldRefuse: false)
                    : rules.ReportMode ? Allow(text, target.Port, classified, wouldRefuse: true, EgressReasons.NotAllowlisted)
                    : Refuse(EgressReasons.NotAllowlisted, text, target.Port, classified);
        }

        var host = HostName.Normalize(target.Host);
        if (host is null)
        {
            return Refuse(EgressReasons.Malformed, null, target.Port, []);
        }

        if (Matches(rules.DeniedDomains, host))
        {
            return Refuse(EgressReasons.DeniedDomain, host, target.Port, []);
        }

        var notAllowlisted = rules.AllowedDomains is not null && !Matches(rules.AllowedDomains, host);
        if (notAllowlisted && !rules.ReportMode)
        {
            return Refuse(EgressReasons.NotAllowlisted, host, target.Port, []);
        }

        IReadOnlyList<IPAddress> resolved;
        try
        {
            resolved = await resolver.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            resolved = [];
        }

        if (resolved.Count == 0)
        {
            return Refuse(EgressReasons.Unresolvable, host, target.Port, []);
        }

        var addresses = Classify(resolved, rules);
        if (FirstNotPublic(addresses) is { } refused)
        {
            return Refuse(EgressReasons.For(refused.Class), host, target.Port, addresses);
        }

        return notAllowlisted
            ? Allow(host, target.Port, addresses, wouldRefuse: true, EgressReasons.NotAllowlisted)
            : Allow(host, target.Port, addresses, wouldRefuse: false);
    }

    private static bool Matches(IReadOnlyList<DomainPattern> patterns, string host)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.Matches(host))
            {
                return true;
            }
        }

        return false;
    }

    private static ClassifiedAddress[] Classify(IReadOnlyList<IPAddress> addresses, EgressRules rules)
    {
        var classified = new ClassifiedAddress[addresses.Count];
        for (var i = 0; i < addresses.Count; i++)
        {
            var address = addresses[i];
            var addressClass = rules.TestAllowance is { } allowance && Contains(allowance, address) ? AddressClass.Public : AddressClassifier.Classify(address);
            classified[i] = new ClassifiedAddress(address, addressClass);
        }

        return classified;
    }

    private static bool Contains(IPNetwork network, IPAddress address) =>
        network.Contains(address.IsIPv4MappedToIPv6 && network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv4() : address);

    private static ClassifiedAddress? FirstNotPublic(ClassifiedAddress[] addresses)
    {
        foreach (var address in addresses)
        {
            if (address.Class != AddressClass.Public)
            {
                return address;
            }
        }

        return null;
    }

    private static EgressDecision Refuse(string reason, string? host, int port, IReadOnlyList<ClassifiedAddress> addresses) =>
        new(false, reason, host, port, addresses, null, WouldRefuse: false);

    private static EgressDecision Allow(string host, int port, ClassifiedAddress[] addresses, bool wouldRefuse, string reason = EgressReasons.Allowed) =>
        new(true, reason, host, port, addresses, addresses[0].Address, wouldRefuse);
}
