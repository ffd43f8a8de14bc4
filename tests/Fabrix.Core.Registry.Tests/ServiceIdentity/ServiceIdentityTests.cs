using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Policy;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Registry.Tests.ServiceIdentity;

/// <summary>
/// Core service identity (issue 9 section 2): only a valid service token reads the policy stream. No or an invalid
/// token is UNAUTHENTICATED; a valid plugin or administrator token is PERMISSION_DENIED. Every refusal is audited.
/// </summary>
public sealed class ServiceIdentityTests(PolicyReplicas replicas) : IClassFixture<PolicyReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WatchPolicy_NoToken_UnauthenticatedAndAudited() =>
        await AssertRefusedAsync(new Metadata(), StatusCode.Unauthenticated, "anonymous");

    [Fact]
    public async Task WatchPolicy_PluginToken_PermissionDeniedAndAudited()
    {
        var id = TestManifests.NewId("sneaky");
        await replicas.Host.InstallAsync(id);
        var token = (await replicas.Host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;

        await AssertRefusedAsync(RegistryHost.PluginHeaders(token), StatusCode.PermissionDenied, $"plugin:{id}");
    }

    [Fact]
    public async Task WatchPolicy_AdminToken_PermissionDeniedAndAudited() =>
        await AssertRefusedAsync(replicas.Host.AdminHeaders("root", AdminRoles.Admin), StatusCode.PermissionDenied, "user:root");

    [Fact]
    public async Task WatchPolicy_ExpiredServiceToken_Unauthenticated()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10));

        await AssertRefusedAsync(replicas.ServiceHeaders(clock: past), StatusCode.Unauthenticated, "anonymous");
    }

    [Fact]
    public async Task WatchPolicy_ServiceTokenFromUntrustedKey_Unauthenticated() =>
        await AssertRefusedAsync(replicas.ServiceHeaders(replicas.UntrustedKey), StatusCode.Unauthenticated, "anonymous");

    [Fact]
    public async Task WatchPolicy_TokenForAnotherServiceSignedWithThisServicesKey_Unauthenticated() =>
        await AssertRefusedAsync(replicas.ServiceHeaders(replicas.ServiceKey, PolicyReplicas.OtherServiceName), StatusCode.Unauthenticated, "anonymous");

    [Fact]
    public async Task WatchPolicy_AdminTokenSignedWithAServiceKey_Unauthenticated()
    {
        // Right key, wrong kind of token: the service key's kid, but the administrator issuer, audience and type.
        var forged = DevelopmentAdminToken.Mint(replicas.ServiceKey, "root", [AdminRoles.Admin], TimeProvider.System);

        await AssertRefusedAsync(RegistryHost.PluginHeaders(forged), StatusCode.Unauthenticated, "anonymous");
    }

    [Fact]
    public async Task WatchPolicy_ServiceTokenOfEachTrustedService_Accepted()
    {
        foreach (var (key, name) in new[] { (replicas.ServiceKey, PolicyReplicas.ServiceName), (replicas.OtherServiceKey, PolicyReplicas.OtherServiceName) })
        {
            using var call = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(key, name), cancellationToken: Ct);
            Assert.Equal(PolicyMessage.KindOneofCase.Snapshot, (await PolicyReplicas.NextAsync(call, Ct)).KindCase);
        }
    }

    [Fact]
    public async Task Start_TrustedServiceWithBadNameOrMissingKey_RefusesNamingEveryKey()
    {
        var settings = replicas.Host.Settings();
        settings["Fabrix:Registry:ServiceIdentity:TrustedServices:events"] = "/nonexistent/events.pub.pem";
        settings["Fabrix:Registry:ServiceIdentity:TrustedServices:Core_Proxy"] = "/nonexistent/proxy.pub.pem";
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        Assert.Contains("Fabrix:Registry:ServiceIdentity:TrustedServices:events", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Registry:ServiceIdentity:TrustedServices:Core_Proxy", error.Message, StringComparison.Ordinal);
    }

    private async Task AssertRefusedAsync(Metadata headers, StatusCode expected, string actor)
    {
        var before = await RefusalsAsync(actor);
        using var call = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest(), headers, cancellationToken: Ct);

        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(expected, refused.StatusCode);
        Assert.Equal(before + 1, await RefusalsAsync(actor));
    }

    /// <summary>Refused watches by <paramref name="actor"/>, counting repeats replica A folded (its fold windows are closed first).</summary>
    private async Task<long> RefusalsAsync(string actor)
    {
        await replicas.FactoryA.Services.GetRequiredService<AuditRefusalFolding>().FlushAsync(all: true, Ct);
        return await replicas.Host.AuditedRefusalsAsync("action = 'policy.watch' and actor = @actor", ("actor", actor));
    }
}
