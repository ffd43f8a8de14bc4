using System.Text.Json;

namespace Fabrix.Cli.Tests.Egress;

public sealed class EgressCheckCommandTests
{
    private static readonly CliRun Cli = new(Path.GetTempPath());

    private static JsonElement[] Parse(CliResult result) => [.. JsonDocument.Parse(result.Output).RootElement.EnumerateArray()];

    [Fact]
    public async Task Check_AllowlistedPinnedName_PrintsAllowedWithAddresses()
    {
        var result = await Cli.RunAsync("egress", "check", "--allow-domain", "*.example.com", "--resolve", "api.example.com=93.184.216.34", "--json", "https://api.example.com/v1");

        Assert.Equal(0, result.ExitCode);
        var item = Assert.Single(Parse(result));
        Assert.Equal("https://api.example.com/v1", item.GetProperty("target").GetString());
        Assert.True(item.GetProperty("allowed").GetBoolean());
        Assert.Equal("allowed", item.GetProperty("reason").GetString());
        Assert.Equal(["93.184.216.34"], item.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["target", "allowed", "reason", "addresses"], item.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Check_MixedTargets_OneObjectEachAndExitCodeOne()
    {
        var result = await Cli.RunAsync("egress", "check", "--allow-domain", "api.example.com", "--deny-domain", "*.evil.example",
            "--resolve", "api.example.com=93.184.216.34", "--resolve", "rebind.example.com=8.8.8.8", "--resolve", "rebind.example.com=127.0.0.1",
            "--json",
            "api.example.com:443", "other.example.com", "x.evil.example", "169.254.169.254", "http://user:pw@api.example.com/", "[::1]:8080", "bad..host");

        Assert.Equal(1, result.ExitCode);
        var reasons = Parse(result).Select(i => (i.GetProperty("target").GetString(), i.GetProperty("allowed").GetBoolean(), i.GetProperty("reason").GetString())).ToArray();
        Assert.Equal(
            [
                ("api.example.com:443", true, "allowed"),
                ("other.example.com", false, "not_allowlisted"),
                ("x.evil.example", false, "denied_domain"),
                ("169.254.169.254", false, "metadata"),
                ("http://user:pw@api.example.com/", false, "credentials_in_url"),
                ("[::1]:8080", false, "loopback"),
                ("bad..host", false, "malformed"),
            ],
            reasons);
    }

    [Fact]
    public async Task Check_NoAllowlist_ChecksAddressesOnly()
    {
        var result = await Cli.RunAsync("egress", "check", "--resolve", "rebind.example.com=8.8.8.8", "--resolve", "rebind.example.com=10.0.0.1", "--json",
            "rebind.example.com", "0x7f000001", "8.8.8.8");

        var items = Parse(result);
        Assert.Equal(["private_address", "loopback", "allowed"], items.Select(i => i.GetProperty("reason").GetString()));
        Assert.Equal(["8.8.8.8", "10.0.0.1"], items[0].GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["127.0.0.1"], items[1].GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Check_SystemResolverLocalhost_RefusedAsLoopback()
    {
        var result = await Cli.RunAsync("egress", "check", "--json", "localhost:80");

        var item = Assert.Single(Parse(result));
        Assert.Equal("loopback", item.GetProperty("reason").GetString());
        Assert.NotEmpty(item.GetProperty("addresses").EnumerateArray());
    }

    [Fact]
    public async Task Check_ReportMode_AllowsNotAllowlistedButNeverLoopback()
    {
        var result = await Cli.RunAsync("egress", "check", "--allow-domain", "api.example.com", "--report",
            "--resolve", "other.example.com=93.184.216.34", "--resolve", "inner.example.com=127.0.0.1", "--json", "other.example.com", "inner.example.com");

        var items = Parse(result);
        Assert.True(items[0].GetProperty("allowed").GetBoolean());
        Assert.Equal("not_allowlisted", items[0].GetProperty("reason").GetString());
        Assert.False(items[1].GetProperty("allowed").GetBoolean());
        Assert.Equal("loopback", items[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Check_WithoutJson_PrintsTable()
    {
        var result = await Cli.RunAsync("egress", "check", "--resolve", "api.example.com=93.184.216.34", "api.example.com", "127.0.0.1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("api.example.com", result.Output, StringComparison.Ordinal);
        Assert.Contains("refused", result.Output, StringComparison.Ordinal);
        Assert.Contains("loopback", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--allow-domain", "api.*.example.com")]
    [InlineData("--deny-domain", "exa mple.com")]
    [InlineData("--resolve", "api.example.com")]
    [InlineData("--resolve", "api.example.com=not-an-ip")]
    public async Task Check_BadOption_UsageErrorNamingIt(string option, string value)
    {
        var result = await Cli.RunAsync("egress", "check", option, value, "api.example.com");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(value, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Check_NoTarget_UsageError()
    {
        var result = await Cli.RunAsync("egress", "check", "--json");
        Assert.Equal(2, result.ExitCode);
    }
}
