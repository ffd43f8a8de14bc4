using System.Net;
using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Lanes.Tests.Egress;

public sealed class AddressClassifierTests
{
    public static TheoryData<string, AddressClass> Cases => new()
    {
        // Public unicast, v4 and v6.
        { "8.8.8.8", AddressClass.Public },
        { "1.1.1.1", AddressClass.Public },
        { "93.184.216.34", AddressClass.Public },
        { "100.63.255.255", AddressClass.Public },
        { "100.128.0.0", AddressClass.Public },
        { "172.15.255.255", AddressClass.Public },
        { "172.32.0.0", AddressClass.Public },
        { "198.17.255.255", AddressClass.Public },
        { "198.20.0.0", AddressClass.Public },
        { "223.255.255.255", AddressClass.Public },
        { "2606:4700:4700::1111", AddressClass.Public },
        { "2001:4860:4860::8888", AddressClass.Public },
        { "2a00:1450:4001:82b::200e", AddressClass.Public },

        // IPv4 special purpose.
        { "0.0.0.0", AddressClass.Unspecified },
        { "0.255.255.255", AddressClass.Unspecified },
        { "10.0.0.1", AddressClass.Private },
        { "10.255.255.255", AddressClass.Private },
        { "172.16.0.1", AddressClass.Private },
        { "172.31.255.255", AddressClass.Private },
        { "192.168.1.1", AddressClass.Private },
        { "100.64.0.1", AddressClass.SharedAddressSpace },
        { "100.127.255.255", AddressClass.SharedAddressSpace },
        { "127.0.0.1", AddressClass.Loopback },
        { "127.255.255.254", AddressClass.Loopback },
        { "169.254.0.1", AddressClass.LinkLocal },
        { "169.254.169.254", AddressClass.Metadata },
        { "169.254.170.2", AddressClass.Metadata },
        { "100.100.100.200", AddressClass.Metadata },
        { "192.0.0.192", AddressClass.Metadata },
        { "192.0.0.8", AddressClass.Reserved },
        { "192.0.2.1", AddressClass.Documentation },
        { "198.51.100.7", AddressClass.Documentation },
        { "203.0.113.9", AddressClass.Documentation },
        { "198.18.0.1", AddressClass.Benchmarking },
        { "198.19.255.255", AddressClass.Benchmarking },
        { "192.88.99.1", AddressClass.Reserved },
        { "224.0.0.1", AddressClass.Multicast },
        { "239.255.255.250", AddressClass.Multicast },
        { "240.0.0.1", AddressClass.Reserved },
        { "255.255.255.254", AddressClass.Reserved },
        { "255.255.255.255", AddressClass.Broadcast },

        // IPv6 special purpose.
        { "::", AddressClass.Unspecified },
        { "::1", AddressClass.Loopback },
        { "0:0:0:0:0:0:0:1", AddressClass.Loopback },
        { "0000:0000:0000:0000:0000:0000:0000:0001", AddressClass.Loopback },
        { "fe80::1", AddressClass.LinkLocal },
        { "febf:ffff::1", AddressClass.LinkLocal },
        { "fec0::1", AddressClass.SiteLocal },
        { "fc00::1", AddressClass.UniqueLocal },
        { "fd12:3456:789a::1", AddressClass.UniqueLocal },
        { "fd00:ec2::254", AddressClass.Metadata },
        { "fd00:ec2::23", AddressClass.Metadata },
        { "ff02::1", AddressClass.Multicast },
        { "ff05::1:3", AddressClass.Multicast },
        { "2001:db8::1", AddressClass.Documentation },
        { "3fff::1", AddressClass.Documentation },
        { "2001:2::1", AddressClass.Benchmarking },
        { "2001:10::1", AddressClass.Reserved },
        { "100::1", AddressClass.Reserved },
        { "5f00::1", AddressClass.Reserved },
        { "4000::1", AddressClass.Reserved },
        { "1::1", AddressClass.Reserved },

        // IPv4-mapped: exactly as public as the address it maps.
        { "::ffff:127.0.0.1", AddressClass.Loopback },
        { "::ffff:7f00:1", AddressClass.Loopback },
        { "0:0:0:0:0:ffff:7f00:0001", AddressClass.Loopback },
        { "::ffff:169.254.169.254", AddressClass.Metadata },
        { "::ffff:10.1.2.3", AddressClass.Private },
        { "::ffff:0.0.0.0", AddressClass.Unspecified },
        { "::ffff:8.8.8.8", AddressClass.Public },

        // IPv4-compatible (deprecated): never public; the embedded class when it is not public.
        { "::127.0.0.1", AddressClass.Loopback },
        { "::7f00:1", AddressClass.Loopback },
        { "::10.0.0.1", AddressClass.Private },
        { "::8.8.8.8", AddressClass.Reserved },

        // NAT64 well-known prefix: the embedded v4 address.
        { "64:ff9b::127.0.0.1", AddressClass.Loopback },
        { "64:ff9b::a9fe:a9fe", AddressClass.Metadata },
        { "64:ff9b::10.0.0.1", AddressClass.Private },
        { "64:ff9b::8.8.8.8", AddressClass.Public },

        // NAT64 local-use prefix: never public; the embedded class (either RFC 6052 position) when not public.
        { "64:ff9b:1::127.0.0.1", AddressClass.Loopback },
        { "64:ff9b:1:7f00:0:100::", AddressClass.Loopback },
        { "64:ff9b:1::8.8.8.8", AddressClass.Reserved },

        // 6to4: 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD.
        { "2002:7f00:1::", AddressClass.Loopback },
        { "2002:a9fe:a9fe::1", AddressClass.Metadata },
        { "2002:c0a8:101::1", AddressClass.Private },
        { "2002:0808:0808::1", AddressClass.Public },

        // Teredo: never public; a non-public server or (inverted) client address is reported.
        { "2001:0:7f00:1::", AddressClass.Loopback },
        { "2001:0:4136:e378:8000:63bf:80ff:fffe", AddressClass.Loopback },
        { "2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass.Documentation },
        { "2001:0:4136:e378:8000:63bf:f7f7:f7f7", AddressClass.Reserved },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_TableCase_ReturnsClass(string address, AddressClass expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Fact]
    public void Classify_LinkLocalWithScopeId_IsLinkLocal() =>
        Assert.Equal(AddressClass.LinkLocal, AddressClassifier.Classify(IPAddress.Parse("fe80::1%2")));

    [Theory]
    [InlineData(AddressClass.Loopback, "loopback")]
    [InlineData(AddressClass.Metadata, "metadata")]
    [InlineData(AddressClass.Private, "private_address")]
    [InlineData(AddressClass.LinkLocal, "private_address")]
    [InlineData(AddressClass.Reserved, "private_address")]
    [InlineData(AddressClass.Public, "allowed")]
    public void ReasonFor_Class_ReturnsCode(AddressClass addressClass, string code) =>
        Assert.Equal(code, EgressReasons.For(addressClass));
}
