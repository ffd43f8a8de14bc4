using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Core.Gateway.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;

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

    [Fact]
    public async Task Forward_TargetFailingRepeatedly_CircuitOpensAndServiceUnavailableWithoutCallingTarget()
    {
        var (_, target, token) = await CallerAndTargetAsync("lim-breaker");
        using var client = platform.GatewayClient();
        var failures = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var failed = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/abort-connection?case={target}", token), Ct);
            failures.Add(failed.StatusCode);
        }

        using var open = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/abort-connection?case={target}", token), Ct);

        // The platform opens a circuit after 3 calls with half of them failed; a connection broken after the request was sent is never retried.
        Assert.All(failures, status => Assert.Equal(HttpStatusCode.BadGateway, status));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        Assert.True(open.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("TARGET_CIRCUIT_OPEN", (await open.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        Assert.Equal(3, platform.Target.ReceivedUnder($"/api/users/abort-connection?case={target}").Count);
        var rows = await Eventually.ForAsync(() => platform.AuditRowsAsync(target), found => found.Any(r => r.Reason == "TARGET_CIRCUIT_OPEN"),
            TimeSpan.FromSeconds(30), "the open circuit's refusal reaches the audit chain", Ct);
        Assert.Equal("refused", rows.First(r => r.Reason == "TARGET_CIRCUIT_OPEN").Outcome);
    }

    [Fact]
    public async Task Forward_ResponseDeclaredOverTheLimit_BadGatewayAndAudited()
    {
        var (_, target, token) = await CallerAndTargetAsync("lim-resp-declared");
        using var client = platform.GatewayClient();

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/big-declared", token), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("RESPONSE_TOO_LARGE", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        await Eventually.ForAsync(() => platform.AuditRowsAsync(target), found => found.Any(r => r.Reason == "RESPONSE_TOO_LARGE"),
            TimeSpan.FromSeconds(30), "the cut response reaches the audit chain", Ct);
    }

    [Fact]
    public async Task Forward_StreamedResponseOverTheLimit_CutOffAndAudited()
    {
        var (_, target, token) = await CallerAndTargetAsync("lim-resp-streamed");
        using var client = platform.GatewayClient();

        var cut = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/big-streamed", token),
                HttpCompletionOption.ResponseHeadersRead, Ct);
            await using var body = await response.Content.ReadAsStreamAsync(Ct);
            var total = 0L;
            var buffer = new byte[4096];
            int read;
            while ((read = await body.ReadAsync(buffer, Ct)) > 0)
            {
                total += read;
            }

            Assert.Fail($"the whole body arrived ({total} bytes)");
        });

        Assert.True(cut is HttpRequestException or IOException, $"the body is cut off by an aborted connection, not {cut}");
        var rows = await Eventually.ForAsync(() => platform.AuditRowsAsync(target), found => found.Any(r => r.Reason == "RESPONSE_TOO_LARGE"),
            TimeSpan.FromSeconds(30), "the cut response reaches the audit chain", Ct);
        var attributes = JsonSerializer.Deserialize<JsonElement>(rows.First(r => r.Reason == "RESPONSE_TOO_LARGE").Details).GetProperty("attributes");
        Assert.Equal(("200", "succeeded"), (attributes.GetProperty("status").GetString(), rows.First(r => r.Reason == "RESPONSE_TOO_LARGE").Outcome));
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
