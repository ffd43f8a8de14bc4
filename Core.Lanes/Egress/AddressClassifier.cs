using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Fabrix.Core.Lanes.Egress;

/// <summary>
/// Classifies IP addresses for egress (issue 12 section 1; the webhook lane of issue 11 uses the same code). Pure and
/// allocation-free apart from reading the address bytes. The tables cite the IANA special-purpose registries
/// (RFC 6890 and its updates); an address is public only when no row matches it, and an IPv6 address only inside
/// <c>2000::/3</c>.
/// </summary>
public static class AddressClassifier
{
    // Cloud metadata endpoints, classed before the ranges they sit in: AWS/GCP/Azure/OpenStack IMDS 169.254.169.254,
    // AWS DNS 169.254.169.253, ECS task metadata 169.254.170.2, EKS pod identity 169.254.170.23, Alibaba 100.100.100.200,
    // Oracle 192.0.0.192, and AWS's IPv6 IMDS fd00:ec2::254 / fd00:ec2::23.
    private static readonly uint[] MetadataV4 = [V4(169, 254, 169, 254), V4(169, 254, 169, 253), V4(169, 254, 170, 2), V4(169, 254, 170, 23), V4(100, 100, 100, 200), V4(192, 0, 0, 192)];
    private static readonly UInt128[] MetadataV6 = [V6("fd00:ec2::254"), V6("fd00:ec2::23")];

    private static readonly (uint Network, int Prefix, AddressClass Class)[] V4Table =
    [
        (V4(0, 0, 0, 0), 8, AddressClass.Unspecified),
        (V4(10, 0, 0, 0), 8, AddressClass.Private),
        (V4(100, 64, 0, 0), 10, AddressClass.SharedAddressSpace),
        (V4(127, 0, 0, 0), 8, AddressClass.Loopback),
        (V4(169, 254, 0, 0), 16, AddressClass.LinkLocal),
        (V4(172, 16, 0, 0), 12, AddressClass.Private),
        (V4(192, 0, 0, 0), 24, AddressClass.Reserved),
        (V4(192, 0, 2, 0), 24, AddressClass.Documentation),
        (V4(192, 88, 99, 0), 24, AddressClass.Reserved),
        (V4(192, 168, 0, 0), 16, AddressClass.Private),
        (V4(198, 18, 0, 0), 15, AddressClass.Benchmarking),
        (V4(198, 51, 100, 0), 24, AddressClass.Documentation),
        (V4(203, 0, 113, 0), 24, AddressClass.Documentation),
        (V4(224, 0, 0, 0), 4, AddressClass.Multicast),
        (V4(255, 255, 255, 255), 32, AddressClass.Broadcast),
        (V4(240, 0, 0, 0), 4, AddressClass.Reserved),
    ];

    // IPv6 rows that do not embed an IPv4 address (those are handled first). Order matters only where rows nest.
    private static readonly (UInt128 Network, int Prefix, AddressClass Class)[] V6Table =
    [
        (V6("::1"), 128, AddressClass.Loopback),
        (V6("::"), 128, AddressClass.Unspecified),
        (V6("100::"), 64, AddressClass.Reserved),
        (V6("2001:2::"), 48, AddressClass.Benchmarking),
        (V6("2001::"), 23, AddressClass.Reserved),
        (V6("2001:db8::"), 32, AddressClass.Documentation),
        (V6("3fff::"), 20, AddressClass.Documentation),
        (V6("5f00::"), 16, AddressClass.Reserved),
        (V6("fc00::"), 7, AddressClass.UniqueLocal),
        (V6("fec0::"), 10, AddressClass.SiteLocal),
        (V6("fe80::"), 10, AddressClass.LinkLocal),
        (V6("ff00::"), 8, AddressClass.Multicast),
    ];

    private static readonly UInt128 GlobalUnicast = V6("2000::");
    private static readonly UInt128 Mapped = V6("::ffff:0:0");
    private static readonly UInt128 Nat64WellKnown = V6("64:ff9b::");
    private static readonly UInt128 Nat64LocalUse = V6("64:ff9b:1::");
    private static readonly UInt128 SixToFour = V6("2002::");
    private static readonly UInt128 Teredo = V6("2001::");

    /// <summary>The class of <paramref name="address"/> (scope ids are ignored).</summary>
    public static AddressClass Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return AddressClass.Reserved;
        }

        address.TryWriteBytes(bytes, out _);
        return ClassifyV6(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>True when <paramref name="address"/> is <see cref="AddressClass.Public"/>.</summary>
    public static bool IsPublic(IPAddress address) => Classify(address) == AddressClass.Public;

    internal static AddressClass ClassifyV4(uint address)
    {
        foreach (var metadata in MetadataV4)
        {
            if (address == metadata)
            {
                return AddressClass.Metadata;
            }
        }

        foreach (var (network, prefix, addressClass) in V4Table)
        {
            if (InV4(address, network, prefix))
            {
                return addressClass;
            }
        }

        return AddressClass.Public;
    }

    internal static AddressClass ClassifyV6(UInt128 address)
    {
        foreach (var metadata in MetadataV6)
        {
            if (address == metadata)
            {
                return AddressClass.Metadata;
            }
        }

        var low32 = (uint)(address & uint.MaxValue);

        // ::ffff:a.b.c.d reaches a.b.c.d on a dual-stack socket: it is exactly as public as the v4 address.
        if (InV6(address, Mapped, 96))
        {
            return ClassifyV4(low32);
        }

        // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291): never dialled, whatever it embeds; :: and ::1 are below.
        if (address >> 32 == 0 && address > 1)
        {
            return Worst(ClassifyV4(low32), AddressClass.Reserved);
        }

        // NAT64 (RFC 6052): the well-known /96 embeds the v4 address in the last 32 bits. A translator would dial it.
        if (InV6(address, Nat64WellKnown, 96))
        {
            return ClassifyV4(low32);
        }

        // The local-use prefix (RFC 8215) may be cut into /96 (address in the last 32 bits) or /48..../64 translators
        // whose v4 address sits elsewhere: refuse if either reading is not public, and never treat it as public.
        if (InV6(address, Nat64LocalUse, 48))
        {
            // A reading of all zeros is the other layout's padding, so a specific class from either reading wins over it.
            var slash48 = Nat64Slash48Embedded(address);
            var last32 = low32 == 0 ? AddressClass.Public : ClassifyV4(low32);
            var other = slash48 == 0 ? AddressClass.Public : ClassifyV4(slash48);
            return Worst(Worst(last32, other), AddressClass.Reserved);
        }

        // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD.
        if (InV6(address, SixToFour, 16))
        {
            var embedded = ClassifyV4((uint)(address >> 80));
            return embedded == AddressClass.Public ? AddressClass.Public : embedded;
        }

        // Teredo (RFC 4380): 2001:0::/32, server v4 in bits 32-63, client v4 in the last 32 bits, inverted.
        if (InV6(address, Teredo, 32))
        {
            var server = ClassifyV4((uint)(address >> 64));
            var client = ClassifyV4(~low32);
            return Worst(Worst(server, client), AddressClass.Reserved);
        }

        foreach (var (network, prefix, addressClass) in V6Table)
        {
            if (InV6(address, network, prefix))
            {
                return addressClass;
            }
        }

        return InV6(address, GlobalUnicast, 3) ? AddressClass.Public : AddressClass.Reserved;
    }

    // RFC 6052 section 2.2, /48 prefix: v4 bits 0-15 in address bits 48-63, bits 16-31 in bits 72-87 (bits 64-71 are "u").
    private static uint Nat64Slash48Embedded(UInt128 address) =>
        (uint)((address >> 64) & 0xFFFF) << 16 | (uint)((address >> 40) & 0xFFFF);

    // The more specific refusal wins, so a Teredo address embedding loopback reports loopback.
    private static AddressClass Worst(AddressClass first, AddressClass second) =>
        first != AddressClass.Public ? first : second;

    private static bool InV4(uint address, uint network, int prefix) =>
        prefix == 0 || (address ^ network) >> (32 - prefix) == 0;

    private static bool InV6(UInt128 address, UInt128 network, int prefix) =>
        prefix == 0 || (address ^ network) >> (128 - prefix) == UInt128.Zero;

    private static uint V4(byte a, byte b, byte c, byte d) => (uint)(a << 24 | b << 16 | c << 8 | d);

    private static UInt128 V6(string text) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(text).GetAddressBytes());
}
