using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Lanes.Tests.Egress;

public sealed class EgressTargetTests
{
    [Theory]
    [InlineData("api.example.com", "api.example.com", 443)]
    [InlineData("api.example.com:8443", "api.example.com", 8443)]
    [InlineData("[::1]:8080", "[::1]", 8080)]
    [InlineData("[2001:db8::1]", "[2001:db8::1]", 443)]
    [InlineData("2001:db8::1", "[2001:db8::1]", 443)]
    [InlineData("http://api.example.com/path?q=1", "api.example.com", 80)]
    [InlineData("HTTPS://api.example.com", "api.example.com", 443)]
    [InlineData("https://api.example.com:9443/x", "api.example.com", 9443)]
    [InlineData("http://[::ffff:127.0.0.1]:81/", "[::ffff:127.0.0.1]", 81)]
    [InlineData("http://evil.example\\@good.example/", "evil.example", 80)]
    [InlineData("http://0x7f.1/", "0x7f.1", 80)]
    public void TryParse_Target_ReadsHostAndPort(string text, string host, int port)
    {
        Assert.True(EgressTarget.TryParse(text, 443, out var target, out _));
        Assert.Equal(new EgressTarget(host, port), target);
    }

    [Theory]
    [InlineData("http://user:secret@api.example.com/", "credentials_in_url")]
    [InlineData("https://token@api.example.com", "credentials_in_url")]
    [InlineData("api.example.com:0", "malformed")]
    [InlineData("api.example.com:65536", "malformed")]
    [InlineData("api.example.com:-1", "malformed")]
    [InlineData("api.example.com:", "malformed")]
    [InlineData("api.example.com:80x", "malformed")]
    [InlineData("ftp://api.example.com", "malformed")]
    [InlineData("gopher://127.0.0.1:25", "malformed")]
    [InlineData("", "malformed")]
    [InlineData("http://", "malformed")]
    [InlineData("[::1", "malformed")]
    [InlineData("[::1]x", "malformed")]
    [InlineData("api.example.com%2F@x", "malformed")]
    [InlineData("user@api.example.com", "malformed")]
    [InlineData("api example.com", "malformed")]
    [InlineData("2001:db8::1:99999", "malformed")]
    public void TryParse_BadTarget_ReturnsReason(string text, string reason)
    {
        Assert.False(EgressTarget.TryParse(text, 443, out _, out var actual));
        Assert.Equal(reason, actual);
    }
}
