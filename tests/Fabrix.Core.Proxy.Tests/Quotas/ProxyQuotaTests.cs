using System.Net;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Proxy.Tests.Infrastructure;

namespace Fabrix.Core.Proxy.Tests.Quotas;

/// <summary>
/// Per-plugin quotas on the real registry (issue 12 section 2): an administrator's override through PolicyAdmin reaches
/// the proxy in the policy snapshot and takes effect on the next request; excess is a 429 with Retry-After, audited.
/// </summary>
public sealed class ProxyQuotaTests(ProxyPlatform platform) : IClassFixture<ProxyPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Receiver(string path) => platform.Receiver(path);

    [Fact]
    public async Task Forward_OverTheRequestRateOverride_429WithRetryAfterAndAudited()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        // One request at once, refilled every 1000 s: the second request is over the rate whatever the machine's speed.
        await SetProxyLimitsAsync(id, new ProxyLaneLimits { RequestsPerSecond = 0.001, Burst = 1 });
        using var client = platform.ProxiedClient(token);

        using var first = await client.GetAsync(Receiver("/rate-1"), Ct);
        using var second = await client.GetAsync(Receiver("/rate-2"), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(ProxyReasons.RateLimited, Reason(second));
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.DoesNotContain("/rate-2", platform.Received);
        await AssertAuditedAsync(id, "refused", ProxyReasons.RateLimited);
    }

    [Fact]
    public async Task Connect_OverTheRequestRateOverride_429WithRetryAfter()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        await SetProxyLimitsAsync(id, new ProxyLaneLimits { RequestsPerSecond = 0.001, Burst = 1 });
        using var client = platform.ProxiedClient(token);
        using var first = await client.GetAsync(Receiver("/connect-rate"), Ct);

        var (status, head) = await platform.ConnectAndGetAsync($"{ProxyPlatform.ReceiverHost}:{platform.ReceiverPort}", token, "/never");

        Assert.StartsWith("HTTP/1.1 429", status, StringComparison.Ordinal);
        Assert.Contains("Retry-After: ", head, StringComparison.Ordinal);
        Assert.Contains($"Fabrix-Egress-Reason: {ProxyReasons.RateLimited}", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_BandwidthBudgetUsedUp_NextRequest429UntilPaidBack()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        // 100 bytes per second: the 2000-byte response is charged as it is read and leaves the budget about 19 s in debt.
        await SetProxyLimitsAsync(id, new ProxyLaneLimits { BytesPerSecond = 100 });
        using var client = platform.ProxiedClient(token);

        using var first = await client.GetAsync(Receiver("/bytes-1?size=2000"), Ct);
        using var refused = await client.GetAsync(Receiver("/bytes-2"), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(2000, (await first.Content.ReadAsByteArrayAsync(Ct)).Length);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(ProxyReasons.BandwidthExhausted, Reason(refused));
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.DoesNotContain("/bytes-2", platform.Received);
        await AssertAuditedAsync(id, "refused", ProxyReasons.BandwidthExhausted);
    }

    [Fact]
    public async Task Forward_OverrideCleared_DefaultsApplyAtOnce()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        await SetProxyLimitsAsync(id, new ProxyLaneLimits { RequestsPerSecond = 0.001, Burst = 1 });
        using var client = platform.ProxiedClient(token);
        using var first = await client.GetAsync(Receiver("/cleared-1"), Ct);
        using var limited = await client.GetAsync(Receiver("/cleared-2"), Ct);

        await platform.PolicyAdmin.ClearLaneLimitsAsync(new ClearLaneLimitsRequest { PluginId = id, Lane = LaneKind.Proxy, Reason = "done" }, platform.Manager,
            cancellationToken: Ct);
        await platform.WaitForPolicyAsync(id, p => p.LaneLimits?.Proxy is null, $"{id} has no proxy override at the proxy");
        using var after = await client.GetAsync(Receiver("/cleared-3"), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private Task SetProxyLimitsAsync(string id, ProxyLaneLimits limits) => platform.SetProxyLimitsAsync(id, limits);

    private static string? Reason(HttpResponseMessage response) => ProxyPlatform.Reason(response);

    private Task AssertAuditedAsync(string pluginId, string outcome, string reason) => platform.AssertAuditedAsync(pluginId, "lane.proxy.forward", outcome, reason);
}
