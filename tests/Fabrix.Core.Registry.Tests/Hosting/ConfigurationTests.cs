using System.Net;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fabrix.Core.Registry.Tests.Hosting;

public sealed class ConfigurationTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_BadKeysOfSeveralFeatures_FailsNamingEveryBadKey()
    {
        var settings = host.Settings();
        settings["Fabrix:Registry:KeyRingPath"] = null;
        settings["Fabrix:Registry:TokenLifetime"] = "00:00:10";
        settings["Fabrix:Registry:KeyRotationCheckPeriod"] = "02:00:00";
        settings["Fabrix:Registry:OutboxPollInterval"] = "00:00:00";
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        Assert.Contains("Fabrix:Registry:KeyRingPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Registry:TokenLifetime", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Registry:KeyRotationCheckPeriod", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Registry:OutboxPollInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingConnectionStrings_FailsNamingBoth()
    {
        var settings = host.Settings();
        settings["ConnectionStrings:registry"] = null;
        settings["ConnectionStrings:nats"] = "http://not-nats";
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        Assert.Contains("ConnectionStrings:registry", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:nats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_DependenciesUp_ReportsHealthy()
    {
        using var client = host.Factory.CreateClient();

        using var response = await client.GetAsync("/health", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Health_NatsUnreachable_ReportsUnhealthy()
    {
        var settings = host.Settings();
        settings["ConnectionStrings:nats"] = $"nats://127.0.0.1:{FreePort.Next()}";
        await using var factory = new RegistryFactory(settings);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task AdminApi_ProductionEnvironmentWithDevKey_RejectsDevelopmentTokens()
    {
        await using var factory = new RegistryFactory(host.Settings(), environment: "Production");
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });

        var error = await Assert.ThrowsAsync<RpcException>(() => new RegistryAdmin.RegistryAdminClient(channel)
            .ListPluginsAsync(new ListPluginsRequest(), host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task AdminApi_EntraConfigured_ServesRequestsAndNoLongerAcceptsDevelopmentTokens()
    {
        var settings = host.Settings();
        settings["AzureAd:ClientId"] = "00000000-0000-0000-0000-000000000001";
        settings["AzureAd:TenantId"] = "00000000-0000-0000-0000-000000000002";
        // Loopback authority: the metadata fetch fails locally instead of leaving the machine.
        settings["AzureAd:Instance"] = $"https://127.0.0.1:{FreePort.Next()}/";
        await using var factory = new RegistryFactory(settings);
        using var client = factory.CreateClient();
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });

        using var jwks = await client.GetAsync(PluginTokenClaims.JwksPath, Ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => new RegistryAdmin.RegistryAdminClient(channel)
            .ListPluginsAsync(new ListPluginsRequest(), host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Jwks_Document_HasEcP256PublicKeysOnly()
    {
        using var client = host.Factory.CreateClient();
        // The first signing key is created by the key rotation work at start; a request racing it gets an empty set
        // (SigningKeyRing.ReadPublishedAsync keeps nothing then), so wait for the key, then check what is published.
        var document = default(System.Text.Json.JsonElement);
        await Eventually.UntilAsync(async () =>
        {
            document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(PluginTokenClaims.JwksPath, Ct)).RootElement;
            return document.GetProperty("keys").GetArrayLength() > 0;
        }, TimeSpan.FromSeconds(30), "the registry's first signing key is published", Ct);

        var key = Assert.Single(document.GetProperty("keys").EnumerateArray());
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.False(key.TryGetProperty("d", out _));
        Assert.Equal(43, key.GetProperty("x").GetString()!.Length);
    }
}
