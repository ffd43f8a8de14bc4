using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Gateway.Forwarding;
using Fabrix.Core.Gateway.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Gateway.Tests.Forwarding;

/// <summary>The gateway forwarding and refusing plugin-to-plugin calls on the real registry, NATS and a Kestrel target.</summary>
public sealed class OperatorForwarderTests(GatewayPlatform platform) : IClassFixture<GatewayPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forward_AllowedCall_ReachesTargetWithCallerContextInsteadOfCallersToken()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-ok");
        using var client = platform.GatewayClient();
        using var request = GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/42?case={caller}&b=%2F", token);
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(platform.Target.ReceivedUnder("/api/users/42?case=" + caller));
        Assert.Equal($"/api/users/42?case={caller}&b=%2F", received.RawTarget);
        var contextToken = received.Header("Authorization")!["Bearer ".Length..];
        Assert.NotEqual(token, contextToken);
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(contextToken, CallerContextToken.ValidationParameters(
            new Dictionary<string, (string, SecurityKey)>(StringComparer.Ordinal) { [platform.ServiceKeyId] = (GatewayPlatform.ServiceName, platform.ServicePublicKey) },
            target, TimeProvider.System));
        Assert.True(validated.IsValid, validated.Exception?.Message);
        Assert.Equal(caller, ((JsonWebToken)validated.SecurityToken).Subject);
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", received.Header("traceparent"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_UndeclaredEndpoint_RefusedAndAudited()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-undeclared");
        using var client = platform.GatewayClient();

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/secrets/1?case={caller}", token), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()));
        Assert.Empty(platform.Target.ReceivedUnder($"/api/secrets/1?case={caller}"));
        var row = await Eventually.ForAsync(() => platform.AuditRowsAsync(target), rows => rows.Count > 0, TimeSpan.FromSeconds(30),
            "the refusal reaches the audit chain", Ct);
        Assert.Equal(($"plugin:{caller}", "lane.operator.forward", "refused", problem.GetProperty("code").GetString()),
            (row[0].Actor, row[0].Action, row[0].Outcome, row[0].Reason));
    }

    [Fact]
    public async Task Forward_TargetDisabledWithItsDependents_NextCallsRefusedWithinOneSecond()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-disable");
        using var client = platform.GatewayClient();
        using (var before = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case={caller}", token), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await platform.DisableAsync(target);
        var refused = await Eventually.ForAsync(async () =>
        {
            using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/2?case={caller}", token), Ct);
            return response.StatusCode;
        }, status => status != HttpStatusCode.OK, TimeSpan.FromSeconds(1), "a call to the disabled target is refused", Ct, every: TimeSpan.FromMilliseconds(20));

        // The cascade disables the caller too: whichever the snapshot shows first refuses (the caller's token or the target's state).
        Assert.Contains(refused, new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.Unauthorized });
    }

    [Fact]
    public async Task Forward_UnhealthyTarget_ServiceUnavailableWithoutCallingIt()
    {
        var target = TestManifests.NewId("fwd-sick");
        var manifest = TestManifests.Manifest(target);
        // Nothing listens on the health port: three failed probes make the target unhealthy while its address still answers.
        manifest["health_check"] = new JsonObject { ["type"] = "http", ["port"] = FreePort.Next(), ["path"] = "/health" };
        await platform.InstallActiveAsync(manifest);
        var caller = TestManifests.NewId("fwd-sick-caller");
        var token = await platform.InstallActiveAsync(CallerOf(caller, target));
        await platform.WaitForPolicyAsync(target, entry => entry.Health == HealthState.Unhealthy, "the target is unhealthy in the gateway's snapshot");
        using var client = platform.GatewayClient();

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/7?case={caller}", token), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(platform.Target.ReceivedUnder($"/api/users/7?case={caller}"));
    }

    [Theory]
    [InlineData("/api/users/../42")]
    [InlineData("/api/users/%2e%2e/42")]
    [InlineData("/api//users/42")]
    [InlineData("/api/users%2F42")]
    [InlineData("/api/users/42;jsessionid=1")]
    [InlineData("/api/users/%25")]
    public async Task Forward_UnacceptablePath_RefusedWithoutCallingTarget(string path)
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-path");

        var status = await RawHttp.StatusOfAsync(platform.Address, "GET", $"/{target}{path}?case={caller}", token, Ct);

        Assert.InRange(status, 400, 403);
        Assert.DoesNotContain(platform.Target.Received, r => r.RawTarget.Contains(caller, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_NoToken_UnauthorizedWithCode()
    {
        var (caller, target, _) = await CallerAndTargetAsync("fwd-anon");
        using var client = platform.GatewayClient();

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case={caller}", token: null), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("CALLER_TOKEN_MISSING", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        Assert.Empty(platform.Target.ReceivedUnder($"/api/users/1?case={caller}"));
    }

    [Fact]
    public async Task Forward_ForgedToken_UnauthorizedWithCode()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-forged");
        using var client = platform.GatewayClient();
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case={caller}", forged), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("CALLER_TOKEN_INVALID", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Forward_UnknownTarget_NotFound()
    {
        var (caller, _, token) = await CallerAndTargetAsync("fwd-unknown");
        using var client = platform.GatewayClient();

        using var response = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/no-such-plugin-{caller}/api/users/1", token), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Forward_NotADependency_RefusedUntilGrantedAndAgainAfterRevoke()
    {
        var target = TestManifests.NewId("fwd-grant");
        await platform.InstallActiveAsync(TestManifests.Manifest(target));
        var caller = TestManifests.NewId("fwd-grant-caller");
        var token = await platform.InstallActiveAsync(TestManifests.Manifest(caller));
        await platform.WaitForPolicyAsync(target, entry => entry.IsActive && entry.Address is not null, "the target is active in the gateway's snapshot");
        await platform.WaitForPolicyAsync(caller, entry => entry.IsActive, "the caller is active in the gateway's snapshot");
        using var client = platform.GatewayClient();
        var snapshots = platform.Gateway.Services.GetRequiredService<Fabrix.Core.Lanes.Policy.PolicySnapshotClient>();

        using var refused = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case=before", token), Ct);
        await platform.PolicyAdmin.GrantOperatorAccessAsync(new Fabrix.Contracts.Policy.V1.GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = "integration" },
            platform.Manager, cancellationToken: Ct);
        await Eventually.UntilAsync(() => Task.FromResult(snapshots.Current.Snapshot?.IsGranted(caller, target) == true), TimeSpan.FromSeconds(30), "the grant reaches the gateway", Ct);
        using var granted = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case=granted", token), Ct);
        await platform.PolicyAdmin.RevokeOperatorAccessAsync(new Fabrix.Contracts.Policy.V1.RevokeOperatorAccessRequest { Caller = caller, Target = target, Reason = "done" },
            platform.Manager, cancellationToken: Ct);
        await Eventually.UntilAsync(() => Task.FromResult(snapshots.Current.Snapshot?.IsGranted(caller, target) == false), TimeSpan.FromSeconds(30), "the revoke reaches the gateway", Ct);
        using var revoked = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case=revoked", token), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
        Assert.Single(platform.Target.ReceivedUnder("/api/users/1?case=granted"));
        Assert.Empty(platform.Target.ReceivedUnder("/api/users/1?case=revoked"));
    }

    [Fact]
    public async Task Forward_AdministratorRateOverride_AppliesToThatCallerOnly()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-override");
        var snapshots = platform.Gateway.Services.GetRequiredService<Fabrix.Core.Lanes.Policy.PolicySnapshotClient>();
        await platform.PolicyAdmin.SetLaneLimitsAsync(new Fabrix.Contracts.Policy.V1.SetLaneLimitsRequest
        {
            PluginId = caller,
            Operator = new Fabrix.Contracts.Policy.V1.OperatorLaneLimits { RequestsPerSecond = 0.01, Burst = 1 },
            Reason = "noisy caller",
        }, platform.Manager, cancellationToken: Ct);
        await Eventually.UntilAsync(() => Task.FromResult(snapshots.Current.Snapshot?.Find(caller)?.LaneLimits?.Operator?.Burst == 1), TimeSpan.FromSeconds(30),
            "the override reaches the gateway", Ct);
        using var client = platform.GatewayClient();

        using var first = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case={caller}-1", token), Ct);
        using var second = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/1?case={caller}-2", token), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(second.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
    }

    /// <summary>An active target (seed 004's user-management manifest) and an active caller that depends on it.</summary>
    [Fact]
    public async Task Forward_AllowedAndRefusedCalls_AuditedWithTheirAttributes()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-attrs");
        using var client = platform.GatewayClient();

        using var allowed = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/7?q=secret", token), Ct);
        using var refused = await client.SendAsync(GatewayPlatform.Call(HttpMethod.Delete, $"/{target}/api/secrets/7?q=secret", token), Ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Forbidden), (allowed.StatusCode, refused.StatusCode));
        var rows = await Eventually.ForAsync(() => platform.AuditRowsAsync(target), found => found.Count(r => r.Actor == $"plugin:{caller}") == 2,
            TimeSpan.FromSeconds(30), "both decisions reach the audit chain", Ct);
        var forwarded = rows.Single(r => r.Outcome == "succeeded");
        var denied = rows.Single(r => r.Outcome == "refused");
        Assert.Equal($"{target} /api/users/7", forwarded.Target);
        Assert.Equal(new Dictionary<string, string>
        {
            ["endpoint"] = "user_info", ["method"] = "GET", ["path"] = "/api/users/7", ["protocol"] = "http", ["status"] = "200", ["target_plugin"] = target,
        }, Attributes(forwarded));
        Assert.Equal($"{target} /{target}/api/secrets/7", denied.Target);
        Assert.Equal(new Dictionary<string, string>
        {
            ["method"] = "DELETE", ["path"] = $"/{target}/api/secrets/7", ["protocol"] = "http", ["status"] = "403", ["target_plugin"] = target,
        }, Attributes(denied));
        Assert.DoesNotContain(rows, r => r.Details.Contains("secret\"", StringComparison.Ordinal) || r.Target.Contains('?', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_AllowedCall_SpanIsTheCallersGrandchildAndTheTargetsParentWithTaggedMetrics()
    {
        var (caller, target, token) = await CallerAndTargetAsync("fwd-otel");
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var meters = platform.Gateway.Services.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meters, GatewayTelemetry.Name, "fabrix.gateway.calls");
        using var durations = new MetricCollector<double>(meters, GatewayTelemetry.Name, "fabrix.gateway.call.duration");
        using var client = platform.GatewayClient();
        using var request = GatewayPlatform.Call(HttpMethod.Get, $"/{target}/api/users/9?case={caller}", token);
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forward = await Eventually.ForAsync(() => Task.FromResult(stopped.FirstOrDefault(a => a.OperationName == "gateway.forward")), a => a is not null,
            TimeSpan.FromSeconds(10), "the gateway's span ends", Ct);
        Assert.Equal((caller, target, "http"), (forward!.GetTagItem("fabrix.caller"), forward.GetTagItem("fabrix.target"), forward.GetTagItem("fabrix.protocol")));
        // gateway.forward is a child of the gateway's request span, itself the child of the caller's traceparent.
        Assert.Equal(callerSpan, forward.Parent!.ParentSpanId);
        // The target's traceparent names the gateway's span, or the gateway's outgoing HTTP span under it.
        var sent = ActivityContext.Parse(Assert.Single(platform.Target.ReceivedUnder($"/api/users/9?case={caller}")).Header("traceparent")!, null);
        Assert.Equal(traceId, sent.TraceId);
        Assert.True(sent.SpanId == forward.SpanId || stopped.Any(a => a.SpanId == sent.SpanId && a.ParentSpanId == forward.SpanId),
            "the target's parent span is the gateway's forwarding span (or its HTTP client span)");
        var counted = await Eventually.ForAsync(() => Task.FromResult(calls.GetMeasurementSnapshot().Where(m => Equals(m.Tags["caller"], caller)).ToList()),
            found => found.Count > 0, TimeSpan.FromSeconds(10), "the call is counted", Ct);
        Assert.Equal((1L, target, "allowed"), (counted.Single().Value, counted.Single().Tags["target"], counted.Single().Tags["outcome"]));
        var timed = Assert.Single(durations.GetMeasurementSnapshot(), m => Equals(m.Tags["caller"], caller));
        Assert.True(timed.Value > 0);
        Assert.Equal((target, "allowed"), (timed.Tags["target"], timed.Tags["outcome"]));
    }

    private static Dictionary<string, string> Attributes(AuditRow row) =>
        JsonSerializer.Deserialize<JsonElement>(row.Details).GetProperty("attributes").Deserialize<Dictionary<string, string>>()!;

    private async Task<(string Caller, string Target, string Token)> CallerAndTargetAsync(string prefix)
    {
        var target = TestManifests.NewId(prefix);
        await platform.InstallActiveAsync(TestManifests.Manifest(target));
        var caller = TestManifests.NewId(prefix + "-caller");
        var token = await platform.InstallActiveAsync(CallerOf(caller, target));
        await platform.WaitForPolicyAsync(caller, entry => entry.IsActive, "the caller is active in the gateway's snapshot");
        await platform.WaitForPolicyAsync(target, entry => entry.IsActive && entry.Address is not null, "the target is active in the gateway's snapshot");
        return (caller, target, token);
    }

    private static JsonObject CallerOf(string caller, string target)
    {
        var manifest = TestManifests.Manifest(caller);
        manifest["dependencies"] = new JsonArray(target);
        return manifest;
    }
}
