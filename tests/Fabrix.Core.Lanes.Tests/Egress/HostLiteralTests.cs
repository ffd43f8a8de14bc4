using System.Net;
using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Lanes.Tests.Egress;

public sealed class HostLiteralTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("127.0.1", "127.0.0.1")]
    [InlineData("2130706433", "127.0.0.1")]
    [InlineData("0x7f000001", "127.0.0.1")]
    [InlineData("0X7F000001", "127.0.0.1")]
    [InlineData("017700000001", "127.0.0.1")]
    [InlineData("0177.0.0.1", "127.0.0.1")]
    [InlineData("0x7f.0.0.1", "127.0.0.1")]
    [InlineData("0x7f.1", "127.0.0.1")]
    [InlineData("0177.0x0.0.01", "127.0.0.1")]
    [InlineData("127.000.000.001", "127.0.0.1")]
    [InlineData("0", "0.0.0.0")]
    [InlineData("0x", "0.0.0.0")]
    [InlineData("169.254.43518", "169.254.169.254")]
    [InlineData("2852039166", "169.254.169.254")]
    [InlineData("0xa9fea9fe", "169.254.169.254")]
    [InlineData("0251.0376.0251.0376", "169.254.169.254")]
    [InlineData("10.1", "10.0.0.1")]
    [InlineData("8.8.8.8.", "8.8.8.8")]
    [InlineData("[::1]", "::1")]
    [InlineData("[0:0:0:0:0:0:0:1]", "::1")]
    [InlineData("[0000:0000:0000:0000:0000:0000:0000:0001]", "::1")]
    [InlineData("[::ffff:127.0.0.1]", "::ffff:127.0.0.1")]
    [InlineData("[::ffff:7f00:1]", "::ffff:127.0.0.1")]
    [InlineData("[64:ff9b::a9fe:a9fe]", "64:ff9b::a9fe:a9fe")]
    public void Read_Literal_ReturnsAddress(string host, string expected)
    {
        Assert.Equal(HostLiteral.Kind.Address, HostLiteral.Read(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("api.example.com")]
    [InlineData("1.example.com")]
    [InlineData("example.123a")]
    [InlineData("0x7f.example")]
    [InlineData("localhost")]
    public void Read_Name_ReturnsName(string host) => Assert.Equal(HostLiteral.Kind.Name, HostLiteral.Read(host, out _));

    [Theory]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("127.0.0.256")]
    [InlineData("1.2.65536")]
    [InlineData("4294967296")]
    [InlineData("0x100000000")]
    [InlineData("08")]
    [InlineData("09.1.1.1")]
    [InlineData("1..1")]
    [InlineData("example.1")]
    [InlineData("0xg.1")]
    [InlineData("[::1")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("[1.2.3.4]")]
    [InlineData("[::1::2]")]
    [InlineData("[example.com]")]
    [InlineData("::1")]
    public void Read_LooksNumericButInvalid_IsMalformed(string host) => Assert.Equal(HostLiteral.Kind.Malformed, HostLiteral.Read(host, out _));
}
