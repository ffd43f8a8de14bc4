using System.Net;
using Fabrix.Core.Lanes.Egress;
using Fabrix.Core.Proxy.Egress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Fabrix.Core.Proxy.Tests.Egress;

/// <summary>
/// The test-only host map (<c>Fabrix:Proxy:UnsafeTestOnlyHosts</c>): names the proxy resolves itself so a local receiver
/// can be named in <c>allowed_domains</c>; refused outside Development like the test allowance.
/// </summary>
public sealed class TestHostMapTests
{
    [Fact]
    public async Task Resolve_MappedName_AnswersTheMappedAddressWhateverItsCaseOrTrailingDot()
    {
        var resolver = new TestHostMapResolver(TestHostMapResolver.Parse(["Receiver.Fabrix.Test.=127.0.0.2"]), new Unresolvable());

        var addresses = await resolver.ResolveAsync(HostName.Normalize("receiver.fabrix.test")!, TestContext.Current.CancellationToken);

        Assert.Equal([IPAddress.Parse("127.0.0.2")], addresses);
    }

    [Fact]
    public async Task Resolve_OtherName_AsksTheSystemResolver()
    {
        var resolver = new TestHostMapResolver(TestHostMapResolver.Parse(["receiver.fabrix.test=127.0.0.2"]), new Unresolvable());

        var addresses = await resolver.ResolveAsync("example.com", TestContext.Current.CancellationToken);

        Assert.Empty(addresses);
    }

    [Fact]
    public async Task Decide_MappedNameToLoopbackOutsideTheAllowance_RefusedAsLoopback()
    {
        var resolver = new TestHostMapResolver(TestHostMapResolver.Parse(["loopback.fabrix.test=127.0.0.1"]), new Unresolvable());
        Assert.True(EgressTarget.TryParse("loopback.fabrix.test:80", 80, out var target, out _));
        var rules = new EgressRules([DomainPattern.Parse("*.fabrix.test")!], [], TestAllowance: IPNetwork.Parse("127.0.0.2/32"));

        var decision = await EgressDecider.DecideAsync(target, rules, resolver, TestContext.Current.CancellationToken);

        Assert.Equal((false, EgressReasons.Loopback), (decision.Allowed, decision.Reason));
    }

    [Fact]
    public void Validate_HostsOutsideDevelopment_RefusedNamingTheKey()
    {
        var options = new ProxyOptions { UnsafeTestOnlyHosts = ["receiver.fabrix.test=127.0.0.2"] };

        var result = new ProxyOptionsValidator(Environment(Environments.Production)).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Fabrix:Proxy:UnsafeTestOnlyHosts is a test-only setting", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("receiver.fabrix.test")]
    [InlineData("receiver.fabrix.test=not-an-address")]
    [InlineData("=127.0.0.2")]
    [InlineData("*.fabrix.test=127.0.0.2")]
    public void Validate_MalformedEntryInDevelopment_RefusedNamingItsIndex(string entry)
    {
        var options = new ProxyOptions { UnsafeTestOnlyHosts = ["receiver.fabrix.test=127.0.0.2", entry] };

        var result = new ProxyOptionsValidator(Environment(Environments.Development)).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Fabrix:Proxy:UnsafeTestOnlyHosts:1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WellFormedHostsInDevelopment_Accepted()
    {
        var options = new ProxyOptions { UnsafeTestOnlyHosts = ["receiver.fabrix.test=127.0.0.2", "metadata.fabrix.test=169.254.169.254"] };

        Assert.True(new ProxyOptionsValidator(Environment(Environments.Development)).Validate(null, options).Succeeded);
    }

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };

    private sealed class Unresolvable : IEgressResolver
    {
        public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<IPAddress>>([]);
    }
}
