namespace Fabrix.Core.Lanes.Egress;

/// <summary>
/// What an IP address is, for egress (issue 12 section 1). Only <see cref="Public"/> may be dialled; every other class
/// is refused whatever a plugin's allowlist or mode says. A v6 address that embeds a v4 one (IPv4-mapped,
/// IPv4-compatible, NAT64, 6to4, Teredo) takes the class of the embedded address when that is not public.
/// </summary>
public enum AddressClass
{
    /// <summary>Globally reachable unicast: the only class a lane dials.</summary>
    Public = 0,

    /// <summary><c>0.0.0.0/8</c> ("this network") and <c>::/128</c>.</summary>
    Unspecified,

    /// <summary><c>127.0.0.0/8</c> and <c>::1</c>.</summary>
    Loopback,

    /// <summary>RFC 1918: <c>10/8</c>, <c>172.16/12</c>, <c>192.168/16</c>.</summary>
    Private,

    /// <summary>RFC 6598 carrier-grade NAT: <c>100.64.0.0/10</c>.</summary>
    SharedAddressSpace,

    /// <summary><c>169.254.0.0/16</c> and <c>fe80::/10</c>.</summary>
    LinkLocal,

    /// <summary>A cloud instance-metadata address (AWS, GCP, Azure, Alibaba; v4 and v6), classed before the range it sits in.</summary>
    Metadata,

    /// <summary><c>224.0.0.0/4</c> and <c>ff00::/8</c>.</summary>
    Multicast,

    /// <summary><c>255.255.255.255</c>.</summary>
    Broadcast,

    /// <summary>Documentation ranges: <c>192.0.2/24</c>, <c>198.51.100/24</c>, <c>203.0.113/24</c>, <c>2001:db8::/32</c>, <c>3fff::/20</c>.</summary>
    Documentation,

    /// <summary>Benchmarking: <c>198.18.0.0/15</c> and <c>2001:2::/48</c>.</summary>
    Benchmarking,

    /// <summary>IPv6 unique local addresses: <c>fc00::/7</c>.</summary>
    UniqueLocal,

    /// <summary>Deprecated IPv6 site-local addresses: <c>fec0::/10</c>.</summary>
    SiteLocal,

    /// <summary>
    /// Anything else not globally reachable: <c>240/4</c>, <c>192.0.0/24</c>, <c>192.88.99/24</c>, IPv6 outside
    /// <c>2000::/3</c>, <c>2001::/23</c> protocol assignments, <c>100::/64</c> discard, deprecated IPv4-compatible
    /// addresses, and the local-use NAT64 prefix when its embedded address cannot be read unambiguously as public.
    /// </summary>
    Reserved,
}

/// <summary>Reason codes of egress decisions (issue 12 section 3), as audited and printed by <c>fabrix egress check</c>.</summary>
public static class EgressReasons
{
    /// <summary>The target may be reached.</summary>
    public const string Allowed = "allowed";

    /// <summary>The host is not in the plugin's <c>allowed_domains</c> (an IP literal never is).</summary>
    public const string NotAllowlisted = "not_allowlisted";

    /// <summary>The host is on the global deny list.</summary>
    public const string DeniedDomain = "denied_domain";

    /// <summary>An address is loopback.</summary>
    public const string Loopback = "loopback";

    /// <summary>An address is a cloud metadata endpoint.</summary>
    public const string Metadata = "metadata";

    /// <summary>An address is not public for any other reason (private, link-local, CGNAT, multicast, reserved, ...).</summary>
    public const string PrivateAddress = "private_address";

    /// <summary>The name has no address (or resolution failed): fail closed.</summary>
    public const string Unresolvable = "unresolvable";

    /// <summary>The target is not a well-formed host, port or http(s) URL.</summary>
    public const string Malformed = "malformed";

    /// <summary>A URL carrying user information (<c>user:password@</c>).</summary>
    public const string CredentialsInUrl = "credentials_in_url";

    /// <summary>The reason code for a non-public address class.</summary>
    public static string For(AddressClass addressClass) => addressClass switch
    {
        AddressClass.Public => Allowed,
        AddressClass.Loopback => Loopback,
        AddressClass.Metadata => Metadata,
        _ => PrivateAddress,
    };
}
