using Fabrix.Contracts.Identity;
using Fabrix.Core.Lanes.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>The lane's service token source: ES256 tokens the registry's rules accept, cached and renewed before they end.</summary>
public sealed class ServiceTokenSourceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly string _root = Directory.CreateTempSubdirectory("fabrix-service-token-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task GetToken_Minted_ValidForTheRegistryAsThisService()
    {
        var keyPath = ServiceToken.EnsureKeyFile(Path.Combine(_root, "core-proxy.pem"));
        var publicKey = ServiceToken.LoadKey(ServiceToken.WritePublicKeyFile(keyPath, Path.Combine(_root, "core-proxy.pub.pem")));
        var source = Source(keyPath, "core-proxy");

        var token = source.GetToken();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token,
            ServiceToken.ValidationParameters(new Dictionary<string, (string, Microsoft.IdentityModel.Tokens.SecurityKey)> { [publicKey.KeyId] = ("core-proxy", publicKey) }, _time));

        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = new JsonWebToken(token);
        Assert.Equal(("core-proxy", "core-proxy", ServiceToken.Audience, ServiceToken.TokenType), (jwt.Issuer, jwt.Subject, jwt.Audiences.Single(), jwt.Typ));
        Assert.StartsWith(ServiceToken.KeyIdPrefix, jwt.Kid, StringComparison.Ordinal);
    }

    [Fact]
    public void GetToken_WithinThreeQuartersOfItsLifetime_ReturnsTheCachedToken()
    {
        var source = Source(ServiceToken.EnsureKeyFile(Path.Combine(_root, "k.pem")), "core-gateway");
        var first = source.GetToken();

        _time.Advance(TimeSpan.FromMinutes(2.99));

        Assert.Same(first, source.GetToken());
    }

    [Fact]
    public void GetToken_PastThreeQuartersOfItsLifetime_MintsANewToken()
    {
        var source = Source(ServiceToken.EnsureKeyFile(Path.Combine(_root, "k.pem")), "core-gateway");
        var first = source.GetToken();

        _time.Advance(TimeSpan.FromMinutes(3));
        var second = source.GetToken();

        Assert.NotEqual(first, second);
        Assert.Equal(_time.GetUtcNow().UtcDateTime.AddMinutes(4), new JsonWebToken(second).ValidTo);
    }

    [Fact]
    public void Validate_BadOptions_ReportsEveryBadKey()
    {
        var result = new ServiceIdentityOptionsValidator().Validate(null, new ServiceIdentityOptions
        {
            Name = "Core Gateway",
            KeyPath = Path.Combine(_root, "missing.pem"),
            TokenLifetime = TimeSpan.FromMinutes(6),
        });

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Fabrix:Lanes:Identity:Name", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Fabrix:Lanes:Identity:KeyPath", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Fabrix:Lanes:Identity:TokenLifetime", StringComparison.Ordinal));
    }

    private ServiceTokenSource Source(string keyPath, string name) =>
        new(Options.Create(new ServiceIdentityOptions { Name = name, KeyPath = keyPath, TokenLifetime = TimeSpan.FromMinutes(4) }), _time);
}
