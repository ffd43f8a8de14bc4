using System.Net;
using System.Net.Sockets;
using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Lanes.Tests.Egress;

public sealed class EgressDeciderTests
{
    private static readonly DomainPattern[] Allow = [DomainPattern.Parse("api.example.com")!, DomainPattern.Parse("*.partner.example")!];
    private static readonly DomainPattern[] Deny = [DomainPattern.Parse("*.blocked.example")!, DomainPattern.Parse("api.partner.example")!];

    private static async Task<EgressDecision> Decide(string target, EgressRules rules, ScriptedResolver resolver)
    {
        Assert.True(EgressTarget.TryParse(target, 443, out var parsed, out _));
        return await EgressDecider.DecideAsync(parsed, rules, resolver, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Decide_AllowlistedPublicName_AllowsAndDialsCheckedAddress()
    {
        var resolver = new ScriptedResolver().Answer("api.example.com", "93.184.216.34", "2606:2800:220:1::1");

        var decision = await Decide("api.example.com", new EgressRules(Allow, Deny), resolver);

        Assert.True(decision.Allowed);
        Assert.Equal("allowed", decision.Reason);
        Assert.Equal(IPAddress.Parse("93.184.216.34"), decision.DialAddress);
        Assert.Equal(2, decision.Addresses.Count);
        Assert.False(decision.WouldRefuse);
    }

    [Fact]
    public async Task Decide_WildcardSubdomain_Allows()
    {
        var decision = await Decide("eu.partner.example", new EgressRules(Allow, []), new ScriptedResolver().Answer("eu.partner.example", "8.8.4.4"));
        Assert.True(decision.Allowed);
    }

    [Fact]
    public async Task Decide_NotAllowlisted_RefusesWithoutResolving()
    {
        var resolver = new ScriptedResolver().Answer("other.example", "8.8.8.8");

        var decision = await Decide("other.example", new EgressRules(Allow, []), resolver);

        Assert.False(decision.Allowed);
        Assert.Equal("not_allowlisted", decision.Reason);
        Assert.Empty(resolver.Asked);
    }

    [Fact]
    public async Task Decide_WildcardApex_IsNotAllowlisted()
    {
        var decision = await Decide("partner.example", new EgressRules(Allow, []), new ScriptedResolver().Answer("partner.example", "8.8.8.8"));
        Assert.Equal("not_allowlisted", decision.Reason);
    }

    [Fact]
    public async Task Decide_DeniedEvenWhenAllowlisted_RefusesDeniedDomain()
    {
        var decision = await Decide("api.partner.example", new EgressRules(Allow, Deny), new ScriptedResolver().Answer("api.partner.example", "8.8.8.8"));
        Assert.Equal("denied_domain", decision.Reason);
    }

    [Fact]
    public async Task Decide_DeniedInReportMode_StillRefused()
    {
        var decision = await Decide("x.blocked.example", new EgressRules(null, Deny, ReportMode: true), new ScriptedResolver().Answer("x.blocked.example", "8.8.8.8"));
        Assert.False(decision.Allowed);
        Assert.Equal("denied_domain", decision.Reason);
    }

    [Fact]
    public async Task Decide_ReportModeNotAllowlisted_AllowsAndMarks()
    {
        var decision = await Decide("other.example", new EgressRules(Allow, [], ReportMode: true), new ScriptedResolver().Answer("other.example", "8.8.8.8"));

        Assert.True(decision.Allowed);
        Assert.True(decision.WouldRefuse);
        Assert.Equal("not_allowlisted", decision.Reason);
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("10.0.0.7", "private_address")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "metadata")]
    public async Task Decide_ReportModeNameResolvingNonPublic_StillRefused(string address, string reason)
    {
        var decision = await Decide("api.example.com", new EgressRules(Allow, [], ReportMode: true), new ScriptedResolver().Answer("api.example.com", address));
        Assert.False(decision.Allowed);
        Assert.Equal(reason, decision.Reason);
    }

    [Fact]
    public async Task Decide_AnyResolvedAddressNotPublic_Refuses()
    {
        var decision = await Decide("api.example.com", new EgressRules(Allow, []), new ScriptedResolver().Answer("api.example.com", "8.8.8.8", "127.0.0.1"));

        Assert.False(decision.Allowed);
        Assert.Equal("loopback", decision.Reason);
        Assert.Null(decision.DialAddress);
        Assert.Equal(AddressClass.Loopback, decision.Addresses[1].Class);
    }

    [Fact]
    public async Task Decide_RebindingResolver_DialsOnlyTheAddressItChecked()
    {
        // Public on the first answer, loopback on every later one: the decision resolves once and hands the checked
        // address to the dialler, so the second answer is never used.
        var resolver = new ScriptedResolver().Answer("api.example.com", "93.184.216.34").Then("api.example.com", "127.0.0.1");

        var decision = await Decide("api.example.com", new EgressRules(Allow, []), resolver);

        Assert.True(decision.Allowed);
        Assert.Equal(IPAddress.Parse("93.184.216.34"), decision.DialAddress);
        Assert.Single(resolver.Asked);
    }

    [Fact]
    public async Task Decide_Unresolvable_FailsClosed()
    {
        var decision = await Decide("api.example.com", new EgressRules(Allow, []), new ScriptedResolver());
        Assert.Equal("unresolvable", decision.Reason);
    }

    [Fact]
    public async Task Decide_ResolverThrows_Unresolvable()
    {
        var decision = await Decide("api.example.com", new EgressRules(Allow, []), new ScriptedResolver { Throw = true });
        Assert.Equal("unresolvable", decision.Reason);
    }

    [Theory]
    [InlineData("127.1", "loopback")]
    [InlineData("2130706433", "loopback")]
    [InlineData("0x7f000001", "loopback")]
    [InlineData("0177.0.0.1", "loopback")]
    [InlineData("[::ffff:7f00:1]", "loopback")]
    [InlineData("[0:0:0:0:0:0:0:1]", "loopback")]
    [InlineData("169.254.43518", "metadata")]
    [InlineData("[64:ff9b::a9fe:a9fe]", "metadata")]
    [InlineData("[fd00:ec2::254]", "metadata")]
    [InlineData("0", "private_address")]
    [InlineData("[2002:7f00:1::]", "loopback")]
    [InlineData("1.2.3.4.5", "malformed")]
    public async Task Decide_NonPublicLiteralInAnyNotation_Refused(string host, string reason)
    {
        var decision = await Decide(host, new EgressRules(null, []), new ScriptedResolver());
        Assert.False(decision.Allowed);
        Assert.Equal(reason, decision.Reason);
    }

    [Fact]
    public async Task Decide_PublicLiteralWithAllowlist_NeverAllowlisted()
    {
        var decision = await Decide("8.8.8.8", new EgressRules(Allow, []), new ScriptedResolver());
        Assert.Equal("not_allowlisted", decision.Reason);
    }

    [Fact]
    public async Task Decide_PublicLiteralWithoutAllowlist_Allowed()
    {
        var decision = await Decide("8.8.8.8", new EgressRules(null, []), new ScriptedResolver());
        Assert.True(decision.Allowed);
        Assert.Equal(IPAddress.Parse("8.8.8.8"), decision.DialAddress);
    }

    [Fact]
    public async Task Decide_LocalhostName_RefusedAsLoopback()
    {
        var decision = await Decide("localhost", new EgressRules(null, []), new ScriptedResolver().Answer("localhost", "127.0.0.1", "::1"));
        Assert.Equal("loopback", decision.Reason);
    }

    [Fact]
    public async Task Decide_TestAllowance_AdmitsOnlyItsRange()
    {
        var rules = new EgressRules([DomainPattern.Parse("receiver.test")!], [], TestAllowance: IPNetwork.Parse("127.0.0.1/32"));

        var inside = await Decide("receiver.test", rules, new ScriptedResolver().Answer("receiver.test", "127.0.0.1"));
        var outside = await Decide("receiver.test", rules, new ScriptedResolver().Answer("receiver.test", "127.0.0.2"));

        Assert.True(inside.Allowed);
        Assert.Equal("loopback", outside.Reason);
    }

    [Theory]
    [InlineData("exa_mple.com")]
    [InlineData("-bad.example")]
    [InlineData("a..b")]
    public async Task Decide_MalformedName_Refused(string host)
    {
        var decision = await Decide(host, new EgressRules(null, []), new ScriptedResolver());
        Assert.Equal("malformed", decision.Reason);
    }

    private sealed class ScriptedResolver : IEgressResolver
    {
        private readonly Dictionary<string, Queue<IPAddress[]>> _answers = new(StringComparer.Ordinal);

        public bool Throw { get; init; }

        public List<string> Asked { get; } = [];

        public ScriptedResolver Answer(string host, params string[] addresses)
        {
            if (!_answers.TryGetValue(host, out var queue))
            {
                _answers[host] = queue = new Queue<IPAddress[]>();
            }

            queue.Enqueue([.. addresses.Select(IPAddress.Parse)]);
            return this;
        }

        public ScriptedResolver Then(string host, params string[] addresses) => Answer(host, addresses);

        public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Asked.Add(host);
            if (Throw)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            if (!_answers.TryGetValue(host, out var queue) || queue.Count == 0)
            {
                return ValueTask.FromResult<IReadOnlyList<IPAddress>>([]);
            }

            return ValueTask.FromResult<IReadOnlyList<IPAddress>>(queue.Count > 1 ? queue.Dequeue() : queue.Peek());
        }
    }
}
