using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Lanes.Tests.Egress;

public sealed class DomainPatternTests
{
    [Theory]
    [InlineData("api.example.com", "api.example.com", true)]
    [InlineData("api.example.com", "API.Example.COM", true)]
    [InlineData("api.example.com", "api.example.com.", true)]
    [InlineData("api.example.com", "example.com", false)]
    [InlineData("api.example.com", "x.api.example.com", false)]
    [InlineData("api.example.com", "api.example.com.evil.net", false)]
    [InlineData("*.example.com", "api.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "badexample.com", false)]
    [InlineData("*.example.com", "example.com.evil.net", false)]
    [InlineData("*.EXAMPLE.com.", "Shop.Example.Com", true)]
    [InlineData("bücher.example", "xn--bcher-kva.example", true)]
    [InlineData("bücher.example", "BÜCHER.example", true)]
    [InlineData("*.bücher.example", "shop.xn--bcher-kva.example", true)]
    [InlineData("xn--bcher-kva.example", "bücher.example", true)]
    public void Matches_Host_FollowsExactAndWildcardRules(string pattern, string host, bool expected)
    {
        var parsed = DomainPattern.Parse(pattern);
        Assert.NotNull(parsed);
        var normalized = HostName.Normalize(host);
        Assert.NotNull(normalized);
        Assert.Equal(expected, parsed.Matches(normalized));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("**.example.com")]
    [InlineData("api.*.example.com")]
    [InlineData("exa mple.com")]
    [InlineData("exam_ple.com")]
    [InlineData("-example.com")]
    [InlineData("example-.com")]
    [InlineData("a..example.com")]
    [InlineData("example.com/path")]
    public void Parse_BadPattern_ReturnsNull(string pattern) => Assert.Null(DomainPattern.Parse(pattern));

    [Fact]
    public void Normalize_OverlongLabel_ReturnsNull() => Assert.Null(HostName.Normalize(new string('a', 64) + ".example.com"));

    [Fact]
    public void Normalize_OverlongName_ReturnsNull() => Assert.Null(HostName.Normalize(string.Join('.', Enumerable.Repeat(new string('a', 60), 5))));

    [Theory]
    [InlineData("EXAMPLE.com.", "example.com")]
    [InlineData("münchen.de", "xn--mnchen-3ya.de")]
    [InlineData("ＥＸＡＭＰＬＥ.com", "example.com")]
    public void Normalize_Host_IsLowerAsciiWithoutTrailingDot(string host, string expected) => Assert.Equal(expected, HostName.Normalize(host));
}
