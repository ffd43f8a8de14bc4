using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Core.Gateway.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;

namespace Fabrix.Core.Gateway.Tests.Forwarding;

/// <summary>
/// gRPC through the gateway's h2c endpoint (issue 10 section 1) on the real registry, NATS and Kestrel targets: the
/// caller names the target in <c>fabrix-target</c>, <c>/package.Service/Method</c> is matched as <c>POST</c> against
/// the target's endpoints, refusals are gRPC statuses with the Fabrix reason in <c>fabrix-reason</c>.
/// </summary>
public sealed class GrpcForwardingTests(GatewayPlatform platform) : IClassFixture<GatewayPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Grpc_AllowedUnaryCall_ReachesTheTargetsGrpcAddressWithCallerContextAndIsAudited()
    {
        var (caller, target, token) = await CallerOfGrpcTargetAsync("grpc-unary");
        using var channel = platform.GatewayGrpcChannel();
        var message = Encoding.UTF8.GetBytes("hello " + caller);

        var answer = await channel.CreateCallInvoker().AsyncUnaryCall(GrpcTargetServer.Say, null, new CallOptions(Headers(token, target, caller), cancellationToken: Ct), message);

        Assert.Equal(message, answer);
        var received = Assert.Single(platform.GrpcTarget.Received, r => r.Header("x-case") == caller);
        Assert.Equal(GrpcTargetServer.SayPath, received.RawTarget);
        Assert.NotEqual($"Bearer {token}", received.Header("authorization"));
        Assert.StartsWith("Bearer ", received.Header("authorization"), StringComparison.Ordinal);
        Assert.Null(received.Header("fabrix-target"));
        var rows = await Eventually.ForAsync(() => platform.AuditRowsAsync(target + " " + GrpcTargetServer.SayPath),
            found => found.Any(r => r.Actor == $"plugin:{caller}"), TimeSpan.FromSeconds(30), "the call reaches the audit chain", Ct);
        var attributes = Attributes(rows.Single(r => r.Actor == $"plugin:{caller}"));
        Assert.Equal(("grpc", target, "POST", "echo_say", GrpcTargetServer.SayPath, "0"),
            (attributes["protocol"], attributes["target_plugin"], attributes["method"], attributes["endpoint"], attributes["path"], attributes["status"]));
    }

    [Fact]
    public async Task Grpc_ServerStreamingCall_ForwardsEveryMessage()
    {
        var (_, target, token) = await CallerOfGrpcTargetAsync("grpc-stream");
        using var channel = platform.GatewayGrpcChannel();

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(GrpcTargetServer.Count, null, new CallOptions(Headers(token, target), cancellationToken: Ct), [1]);
        var messages = new List<string>();
        await foreach (var item in call.ResponseStream.ReadAllAsync(Ct))
        {
            messages.Add(Encoding.ASCII.GetString(item));
        }

        Assert.Equal(["1", "2", "3"], messages);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Grpc_UndeclaredMethod_PermissionDeniedWithReasonWithoutCallingTarget()
    {
        var (_, target, token) = await CallerOfGrpcTargetAsync("grpc-undeclared");
        using var channel = platform.GatewayGrpcChannel();
        var before = platform.GrpcTarget.Received.Count(r => r.RawTarget.EndsWith("/Secret", StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(GrpcTargetServer.Secret, null, new CallOptions(Headers(token, target), cancellationToken: Ct), [1]));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("ENDPOINT_NOT_DECLARED", refused.Trailers.GetValue("fabrix-reason"));
        Assert.Equal(before, platform.GrpcTarget.Received.Count(r => r.RawTarget.EndsWith("/Secret", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Grpc_WithoutPluginToken_UnauthenticatedWithReason()
    {
        var target = await platform.GrpcTargetAsync();
        using var channel = platform.GatewayGrpcChannel();

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(GrpcTargetServer.Say, null, new CallOptions(new Metadata { { "fabrix-target", target } }, cancellationToken: Ct), [1]));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal("CALLER_TOKEN_MISSING", refused.Trailers.GetValue("fabrix-reason"));
    }

    [Fact]
    public async Task Grpc_TargetWithoutGrpcAddress_UnavailableWithReason()
    {
        var target = TestManifests.NewId("grpc-noaddr");
        var manifest = TestManifests.Manifest(target);
        manifest["endpoints"] = new JsonObject { ["health"] = "GET /health", ["echo_say"] = $"POST {GrpcTargetServer.SayPath}" };
        await platform.InstallActiveAsync(manifest);
        var caller = TestManifests.NewId("grpc-noaddr-caller");
        var callerManifest = TestManifests.Manifest(caller);
        callerManifest["dependencies"] = new JsonArray(target);
        var token = await platform.InstallActiveAsync(callerManifest);
        await platform.WaitForPolicyAsync(caller, entry => entry.IsActive, "the caller is active in the gateway's snapshot");
        await platform.WaitForPolicyAsync(target, entry => entry.IsActive && entry.Address is not null, "the target is active in the gateway's snapshot");
        using var channel = platform.GatewayGrpcChannel();

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(GrpcTargetServer.Say, null, new CallOptions(Headers(token, target), cancellationToken: Ct), [1]));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal("TARGET_NOT_REGISTERED", refused.Trailers.GetValue("fabrix-reason"));
    }

    private static Metadata Headers(string token, string target, string? testCase = null) => testCase is null
        ? new() { { "authorization", $"Bearer {token}" }, { "fabrix-target", target } }
        : new() { { "authorization", $"Bearer {token}" }, { "fabrix-target", target }, { "x-case", testCase } };

    private static Dictionary<string, string> Attributes(AuditRow row) =>
        JsonSerializer.Deserialize<JsonElement>(row.Details).GetProperty("attributes").Deserialize<Dictionary<string, string>>()!;

    private async Task<(string Caller, string Target, string Token)> CallerOfGrpcTargetAsync(string prefix)
    {
        var target = await platform.GrpcTargetAsync();
        var caller = TestManifests.NewId(prefix + "-caller");
        var manifest = TestManifests.Manifest(caller);
        manifest["dependencies"] = new JsonArray(target);
        var token = await platform.InstallActiveAsync(manifest);
        await platform.WaitForPolicyAsync(caller, entry => entry.IsActive, "the caller is active in the gateway's snapshot");
        return (caller, target, token);
    }
}
