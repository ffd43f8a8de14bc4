using System.Net;
using Fabrix.Core.Proxy.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;

namespace Fabrix.Core.Proxy.Tests.Egress;

/// <summary>Core.Proxy end to end on the real registry, NATS and PostgreSQL (issue 12 "Tests that must exist").</summary>
public sealed class ProxyLaneTests(ProxyPlatform platform) : IClassFixture<ProxyPlatform>
{
    private Uri Receiver(string path) => platform.Receiver(path);

    [Fact]
    public async Task Forward_AllowlistedHost_ReachesReceiverWithoutCookies()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(Receiver("/hook?q=1"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1024, (await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.True(response.Headers.Contains("X-Receiver"));
        Assert.Contains("/hook?q=1", platform.Received);
        await AssertAuditedAsync(id, "lane.proxy.forward", "succeeded", "allowed");
    }

    [Fact]
    public async Task Forward_BasicCredentials_TokenAsPassword_Allowed()
    {
        var (_, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy(platform.Address) { Credentials = new NetworkCredential("plugin", token) },
            UseProxy = true,
        });

        using var response = await client.GetAsync(Receiver("/basic"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Forward_NoToken_407WithChallenge()
    {
        using var client = platform.ProxiedClient(null);

        using var response = await client.GetAsync(Receiver("/anonymous"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, response.StatusCode);
        Assert.DoesNotContain("/anonymous", platform.Received);
    }

    [Fact]
    public async Task Forward_InvalidToken_407()
    {
        using var client = platform.ProxiedClient("not-a-token");

        using var response = await client.GetAsync(Receiver("/forged"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, response.StatusCode);
        Assert.Equal("token_invalid", Reason(response));
    }

    [Fact]
    public async Task Forward_NotAllowlisted_403AndAudited()
    {
        var (id, token) = await platform.InstallEgressPluginAsync("api.example.com");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(Receiver("/not-mine"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("not_allowlisted", Reason(response));
        Assert.DoesNotContain("/not-mine", platform.Received);
        await AssertAuditedAsync(id, "lane.proxy.forward", "refused", "not_allowlisted");
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "metadata")]
    [InlineData("http://127.0.0.2/", "loopback")]
    [InlineData("http://2130706434/", "loopback")]
    [InlineData("http://[::1]/", "loopback")]
    [InlineData("http://10.0.0.1/", "private_address")]
    public async Task Forward_NonPublicAddressEvenIfAllowlisted_403(string url, string reason)
    {
        // The allowlist is "tampered with": it lists the very names; addresses are refused whatever it says.
        var (_, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost, "metadata.test");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(new Uri(url), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(reason, Reason(response));
    }

    [Fact]
    public async Task Forward_NameResolvingToMetadata_403()
    {
        platform.Names.Set("metadata.test", IPAddress.Parse("169.254.169.254"));
        var (_, token) = await platform.InstallEgressPluginAsync("metadata.test");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(new Uri("http://metadata.test/"), TestContext.Current.CancellationToken);

        Assert.Equal("metadata", Reason(response));
    }

    [Fact]
    public async Task Forward_Unresolvable_502()
    {
        var (_, token) = await platform.InstallEgressPluginAsync("nowhere.test");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(new Uri("http://nowhere.test/"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("unresolvable", Reason(response));
    }

    [Fact]
    public async Task Forward_DeniedDomain_403()
    {
        platform.Names.Set("x.denied.test", IPAddress.Loopback);
        var (_, token) = await platform.InstallEgressPluginAsync("*.denied.test");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(new Uri($"http://x.denied.test:{platform.ReceiverPort}/"), TestContext.Current.CancellationToken);

        Assert.Equal("denied_domain", Reason(response));
    }

    [Fact]
    public async Task Forward_DomainDeniedInTheRegistry_RefusedOnceTheSnapshotHoldsIt()
    {
        var host = TestManifests.NewId("deny") + ".test";
        platform.Names.Set(host, IPAddress.Loopback);
        var (id, token) = await platform.InstallEgressPluginAsync(host);
        using var client = platform.ProxiedClient(token);
        using var before = await client.GetAsync(new Uri($"http://{host}:{platform.ReceiverPort}/before-deny"), TestContext.Current.CancellationToken);

        var added = System.Diagnostics.Stopwatch.StartNew();
        await platform.DenyAsync(host);
        var reachedProxy = added.Elapsed;
        using var after = await client.GetAsync(new Uri($"http://{host}:{platform.ReceiverPort}/after-deny"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal("denied_domain", Reason(after));
        Assert.DoesNotContain("/after-deny", platform.Received);
        await AssertAuditedAsync(id, "lane.proxy.forward", "refused", "denied_domain");
        // Reported, not asserted (no timing thresholds in tests): the "within 1 s" is the snapshot delta's latency.
        TestContext.Current.TestOutputHelper?.WriteLine($"deny list change reached the proxy after {reachedProxy.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Forward_Allowed_AuditAttributesNameHostPortIpMethodStatusMode()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);

        using var response = await client.PostAsync(Receiver("/attributes"), new StringContent("x"), TestContext.Current.CancellationToken);

        var port = platform.ReceiverPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Fabrix.Testing.Eventually.UntilAsync(
            async () => (await platform.AuditRowsAsync(id)).Any(r => r.Action == "lane.proxy.forward" && r.Target == $"{ProxyPlatform.ReceiverHost}:{port}"
                && System.Text.Json.JsonDocument.Parse(r.Attributes).RootElement is var a
                && a.GetProperty("host").GetString() == ProxyPlatform.ReceiverHost && a.GetProperty("port").GetString() == port
                && a.GetProperty("ip").GetString() == "127.0.0.1" && a.GetProperty("method").GetString() == "POST"
                && a.GetProperty("status").GetString() == "200" && a.GetProperty("mode").GetString() == "enforce"),
            TimeSpan.FromSeconds(30), "the forward is audited with its attributes", CancellationToken.None);
    }

    [Fact]
    public async Task Forward_ResponseOverCap_CutOff()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetByteArrayAsync(Receiver("/big?size=200000"), TestContext.Current.CancellationToken));

        await AssertAuditedAsync(id, "lane.proxy.forward", "refused", "response_too_large");
    }

    [Fact]
    public async Task Forward_ReportMode_AllowsNotAllowlistedButMarksItAndStillRefusesMetadata()
    {
        var (id, token) = await platform.InstallEgressPluginAsync("api.example.com");
        await platform.PolicyAdmin.SetLaneLimitsAsync(new Fabrix.Contracts.Policy.V1.SetLaneLimitsRequest
        {
            PluginId = id,
            Proxy = new Fabrix.Contracts.Policy.V1.ProxyLaneLimits { Mode = Fabrix.Contracts.Policy.V1.ProxyMode.Report },
            Reason = "rolling out the allowlist",
        }, platform.Manager, cancellationToken: TestContext.Current.CancellationToken);
        await platform.WaitForPolicyAsync(id, p => p.LaneLimits?.Proxy?.Mode == Fabrix.Contracts.Policy.V1.ProxyMode.Report, $"{id} is in report mode at the proxy");
        using var client = platform.ProxiedClient(token);

        using var reported = await client.GetAsync(Receiver("/reported"), TestContext.Current.CancellationToken);
        using var metadata = await client.GetAsync(new Uri("http://169.254.169.254/latest/meta-data/"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
        Assert.Contains("/reported", platform.Received);
        Assert.Equal("metadata", Reason(metadata));
        await Fabrix.Testing.Eventually.UntilAsync(
            async () => (await platform.AuditRowsAsync(id)).Any(r => r.Action == "lane.proxy.forward" && r.Outcome == "succeeded" && r.Reason == "not_allowlisted"
                && r.Attributes.Contains("\"mode\": \"report\"", StringComparison.Ordinal) && r.Attributes.Contains("\"would_refuse\": \"true\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the reported request is audited as what enforce mode would refuse", CancellationToken.None);
    }

    [Fact]
    public async Task Connect_AllowlistedHost_TunnelsBytesBothWays()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);

        var (status, body) = await ConnectAndGetAsync($"{ProxyPlatform.ReceiverHost}:{platform.ReceiverPort}", token, "/through-tunnel");

        Assert.StartsWith("HTTP/1.1 200", status, StringComparison.Ordinal);
        Assert.Contains(new string('x', 1024), body, StringComparison.Ordinal);
        Assert.Contains("/through-tunnel", platform.Received);
        await AssertAuditedAsync(id, "lane.proxy.connect", "succeeded", "allowed");
        await AssertAuditedAsync(id, "lane.proxy.tunnel", "succeeded", "allowed");
    }

    [Theory]
    [InlineData(null, "407")]
    [InlineData("169.254.169.254:80", "403")]
    [InlineData("api.other.test:443", "403")]
    public async Task Connect_Refused_AnsweredAndClosed(string? authority, string status)
    {
        var (_, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);

        var (line, _) = await ConnectAndGetAsync(authority ?? $"{ProxyPlatform.ReceiverHost}:{platform.ReceiverPort}", authority is null ? null : token, "/never");

        Assert.StartsWith($"HTTP/1.1 {status}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("/never", platform.Received);
    }

    [Fact]
    public async Task KillSwitch_On_RefusesEverythingUntilOff()
    {
        var (_, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);
        await platform.SetKillSwitchAsync(on: true);
        try
        {
            using var refused = await client.GetAsync(Receiver("/killed"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("egress_disabled", Reason(refused));
        }
        finally
        {
            await platform.SetKillSwitchAsync(on: false);
        }

        using var allowed = await client.GetAsync(Receiver("/revived"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Forward_DisabledPlugin_RefusedOnceTheSnapshotShowsIt()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);

        await platform.Admin.DisablePluginAsync(new Fabrix.Contracts.Registry.V1.PluginTransitionRequest { Id = id, Reason = "incident" }, platform.Manager, cancellationToken: TestContext.Current.CancellationToken);
        await platform.WaitForPolicyAsync(id, p => !p.IsActive, $"{id} is disabled at the proxy");
        using var response = await client.GetAsync(Receiver("/after-disable"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, response.StatusCode);
        Assert.DoesNotContain("/after-disable", platform.Received);
    }

    [Fact]
    public async Task OriginFormRequest_NotAProxyRequest_400()
    {
        using var client = new HttpClient { BaseAddress = platform.Address };

        using var response = await client.GetAsync(new Uri("/anything", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("not_a_proxy_request", Reason(response));
    }

    [Fact]
    public async Task Health_OriginForm_ServedByTheProxyItself()
    {
        using var client = new HttpClient { BaseAddress = platform.Address };

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Forward_AbsoluteFormHealthPath_IsProxiedNotServed()
    {
        var (_, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(Receiver("/health"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Receiver"));
    }

    [Fact]
    public async Task Forward_OriginSendsTheRefusalHeader_DroppedSoTheAnswerIsNoRefusal()
    {
        var (_, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(Receiver("/fake?status=403&fake-reason=not_allowlisted"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Receiver"));
        Assert.Null(Reason(response));
    }

    private static string? Reason(HttpResponseMessage response) => ProxyPlatform.Reason(response);

    private Task AssertAuditedAsync(string pluginId, string action, string outcome, string reason) => platform.AssertAuditedAsync(pluginId, action, outcome, reason);

    private Task<(string Status, string Remainder)> ConnectAndGetAsync(string authority, string? token, string path) => platform.ConnectAndGetAsync(authority, token, path);
}
