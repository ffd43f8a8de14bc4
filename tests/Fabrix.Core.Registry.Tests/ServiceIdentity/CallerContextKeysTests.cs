using System.Net;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.Core.Registry.Tests.ServiceIdentity;

/// <summary>
/// <c>GET /.well-known/fabrix-caller-keys.json</c> (issue 10 section 3): the trusted service keys of the configured
/// caller-context issuers (default <c>core-gateway</c>), without authentication, in the form plugins read.
/// </summary>
public sealed class CallerContextKeysTests(RegistryHost host) : IClassFixture<RegistryHost>, IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("fabrix-caller-keys-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_keys, recursive: true);

    [Fact]
    public async Task CallerKeys_DefaultIssuers_PublishesOnlyTheGatewayKeyAndItVerifiesItsCallerContexts()
    {
        var settings = Trusting("core-gateway", "core-proxy");
        await using var factory = new RegistryFactory(settings);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(CallerContextToken.KeysPath, Ct);
        var keys = CallerContextKeySet.Parse(await response.Content.ReadAsByteArrayAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CallerContextKeySet.ContentType, response.Content.Headers.ContentType?.MediaType);
        var (kid, (service, _)) = Assert.Single(keys);
        Assert.Equal("core-gateway", service);
        var gateway = ServiceToken.LoadKey(Path.Combine(_keys, "core-gateway.pem"));
        Assert.Equal(gateway.KeyId, kid);
        var token = CallerContextToken.Mint(gateway, "core-gateway", "user-management", new CallerContext("accounting", [], "c1"), TimeProvider.System, TimeSpan.FromSeconds(60));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, CallerContextToken.ValidationParameters(keys, "user-management", TimeProvider.System));
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task CallerKeys_IssuersConfigured_PublishesTheirTrustedKeysOnly()
    {
        var settings = Trusting("core-gateway", "core-proxy");
        settings["Fabrix:Registry:ServiceIdentity:CallerContextIssuers:0"] = "core-proxy";
        settings["Fabrix:Registry:ServiceIdentity:CallerContextIssuers:1"] = "core-untrusted";
        await using var factory = new RegistryFactory(settings);
        using var client = factory.CreateClient();

        var keys = CallerContextKeySet.Parse(await client.GetByteArrayAsync(CallerContextToken.KeysPath, Ct));

        Assert.Equal(["core-proxy"], keys.Values.Select(k => k.Service));
    }

    [Fact]
    public async Task CallerKeys_NoTrustedGateway_PublishesAnEmptySet()
    {
        using var client = host.Factory.CreateClient();

        var keys = CallerContextKeySet.Parse(await client.GetByteArrayAsync(CallerContextToken.KeysPath, Ct));

        Assert.Empty(keys);
    }

    [Fact]
    public async Task Start_BadCallerContextIssuer_RefusesNamingTheKey()
    {
        var settings = host.Settings();
        settings["Fabrix:Registry:ServiceIdentity:CallerContextIssuers:0"] = "Core Gateway";
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        Assert.Contains("Fabrix:Registry:ServiceIdentity:CallerContextIssuers:0", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Trusting(params string[] services)
    {
        var settings = host.Settings();
        foreach (var service in services)
        {
            var keyFile = ServiceToken.EnsureKeyFile(Path.Combine(_keys, $"{service}.pem"));
            settings[$"Fabrix:Registry:ServiceIdentity:TrustedServices:{service}"] = ServiceToken.WritePublicKeyFile(keyFile, Path.Combine(_keys, $"{service}.pub.pem"));
        }

        return settings;
    }
}
