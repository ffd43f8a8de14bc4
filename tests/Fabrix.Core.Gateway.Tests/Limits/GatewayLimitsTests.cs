using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Core.Gateway.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;

namespace Fabrix.Core.Gateway.Tests.Limits;

/// <summary>Rate limits, body size and target timeout (issue 10 section 4) on the test platform's limits: burst 30, 4 KB, 1 s.</summary>
public sealed class GatewayLimitsTests(GatewayPlatform platform) : IClassFixture<GatewayPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forward_CallerOverItsBurst_TooManyRequestsWithRetryAfter()
    {
        var (caller, target, token) = await CallerAndTargetAsync("lim-rate");
        using var client = platform.GatewayClient();
        HttpResponseMessage? limited = null;

        for (var i = 0; i < 60 && limited is null; i++)
        {
            var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/{i}?case={caller}", token), Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("RATE_LIMITED", (await limited.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Forward_BodyOverTheLimit_PayloadTooLargeWithoutCallingTarget()
    {
        var (caller, target, token) = await CallerAndTargetAsync("lim-body");
        using var client = platform.GatewayClient();
        using var request = GatewayPlatform.Call(HttpMethod.Post, $"/{target}/api/users/1?case={caller}", token);
        request.Content = new ByteArrayContent(new byte[8192]);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(platform.Target.ReceivedUnder($"/api/users/1?case={caller}"));
    }

    [Fact]
    public async Task Forward_TargetSlowerThanTheTimeout_GatewayTimeout()
    {
        var target = TestManifests.NewId("lim-slow");
        var manifest = TestManifests.Manifest(target);
        manifest["endpoints"]!["slow"] = "/api/slow";
        await platform.InstallActiveAsync(manifest);
        var caller = TestManifests.NewId("lim-slow-caller");
        var token = await platform.InstallActiveAsync(CallerOf(caller, target));
        await platform.WaitForPolicyAsync(caller, entry => entry.IsActive, "the caller is active in the gateway's snapshot");
        using var client = platform.GatewayClient();

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/slow", token), Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("TARGET_TIMEOUT", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    private async Task<(string Caller, string Target, string Token)> CallerAndTargetAsync(string prefix)
    {
        var target = TestManifests.NewId(prefix);
        await platform.InstallActiveAsync(TestManifests.Manifest(target));
        var caller = TestManifests.NewId(prefix + "-caller");
        var token = await platform.InstallActiveAsync(CallerOf(caller, target));
        await platform.WaitForPolicyAsync(caller, entry => entry.IsActive, "the caller is active in the gateway's snapshot");
        return (caller, target, token);
    }

    private static JsonObject CallerOf(string caller, string target)
    {
        var manifest = TestManifests.Manifest(caller);
        manifest["dependencies"] = new JsonArray(target);
        return manifest;
    }
}
