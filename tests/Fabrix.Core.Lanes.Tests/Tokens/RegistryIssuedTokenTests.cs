using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Tokens;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>The lane's check against the real registry (PostgreSQL, NATS): its tokens, its JWKS endpoint over HTTP.</summary>
public sealed class RegistryIssuedTokenTests(RegistryHost registry) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckAsync_TokenTheRegistryIssued_AcceptedWithKeysFetchedFromItsJwksEndpoint()
    {
        var id = TestManifests.NewId("lane-token");
        await registry.InstallAsync(id, enableOnRegister: true);
        var token = (await registry.RegisterRestOkAsync(id)).GetProperty("token").GetString();
        var detail = await registry.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, registry.Manager, cancellationToken: Ct);
        var policy = new InMemoryTokenPolicy();
        policy.Set(id, detail.ManifestDigest, active: detail.Summary.Status == PluginStatus.Active);
        using var jwks = new CountingHandler(registry.Factory.Server.CreateHandler());
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var check = NewCheck(jwks, services, policy);

        var result = await check.CheckAsync(token, Ct);
        var again = await check.CheckAsync(token, Ct);

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(id, result.Caller.PluginId);
        Assert.Equal(detail.Token.ExpiresAt.ToDateTimeOffset(), result.Caller.ExpiresAt);
        Assert.Same(result.Caller, again.Caller);
        Assert.Equal(1, jwks.Requests);
    }

    [Fact]
    public async Task CheckAsync_TokenIssuedBeforeAnUpgrade_RefusedDigestNotPinnedWhileTheNewOneIsAccepted()
    {
        var id = TestManifests.NewId("lane-upgrade");
        await registry.InstallAsync(id, enableOnRegister: true);
        var oldToken = (await registry.RegisterRestOkAsync(id)).GetProperty("token").GetString();
        await registry.Admin.UpgradePluginAsync(new UpgradePluginRequest { ManifestJson = TestManifests.Json(id, "1.1.0") }, registry.Manager, cancellationToken: Ct);
        using var registered = await registry.RegisterRestAsync(TestManifests.Manifest(id, "1.1.0"));
        var newToken = (await registered.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString();
        var upgraded = await registry.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, registry.Manager, cancellationToken: Ct);
        var policy = new InMemoryTokenPolicy();
        policy.Set(id, upgraded.ManifestDigest, active: upgraded.Summary.Status == PluginStatus.Active);
        using var jwks = new CountingHandler(registry.Factory.Server.CreateHandler());
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var check = NewCheck(jwks, services, policy);

        var old = await check.CheckAsync(oldToken, Ct);
        var current = await check.CheckAsync(newToken, Ct);

        Assert.Equal((PluginStatus.Active, "1.1.0"), (upgraded.Summary.Status, upgraded.Summary.Version));
        Assert.Equal(PluginTokenRefusalCode.DigestNotPinned, old.Refusal.Code);
        Assert.True(current.IsAccepted, current.ToString());
    }

    private PluginTokenCheck NewCheck(HttpMessageHandler jwks, ServiceProvider services, IPluginTokenPolicy policy)
    {
        var metrics = new PluginTokenMetrics(services.GetRequiredService<IMeterFactory>());
        var keys = new RegistryKeySet(new HttpClient(jwks, disposeHandler: false), new Uri(registry.Factory.Server.BaseAddress, PluginTokenClaims.JwksPath),
            TimeSpan.FromSeconds(5), TimeProvider.System, metrics, NullLogger<RegistryKeySet>.Instance);
        return new PluginTokenCheck(keys, policy, Options.Create(new PluginTokenOptions()), TimeProvider.System, metrics);
    }

    /// <summary>Passes requests on to the registry's test server and counts them.</summary>
    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
