using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Contracts.Tests.Identity;

/// <summary>Caller contexts (issue 10 section 3): only an ES256 token of this type, for this target, from the key's own service, living at most 60 s.</summary>
public sealed class CallerContextTokenTests : IDisposable
{
    private const string Gateway = "core-gateway";
    private const string Target = "user-management";
    private static readonly CallerContext Caller = new("accounting", ["handles_pii"], "4bf92f3577b34da6a3ce929d0e0e4736");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", CultureInfo.InvariantCulture));
    private readonly ECDsaSecurityKey _key = NewKey();

    public void Dispose() => _key.ECDsa.Dispose();

    [Fact]
    public async Task Validate_MintedForThisTarget_IsValidAndNamesTheCaller()
    {
        var token = CallerContextToken.Mint(_key, Gateway, Target, Caller, _time, TimeSpan.FromSeconds(60));

        var result = await ValidateAsync(token);

        Assert.True(result.IsValid, result.Exception?.Message);
        var read = CallerContextToken.Read((JsonWebToken)result.SecurityToken);
        Assert.Equal(("accounting", "4bf92f3577b34da6a3ce929d0e0e4736"), (read.PluginId, read.CorrelationId));
        Assert.Equal(["handles_pii"], read.Traits);
        var jwt = new JsonWebToken(token);
        Assert.Equal((Gateway, Target, CallerContextToken.TokenType, "ES256"), (jwt.Issuer, jwt.Audiences.Single(), jwt.Typ, jwt.Alg));
    }

    [Fact]
    public async Task Validate_CallerWithoutTraits_ReadsAnEmptyTraitList()
    {
        var token = CallerContextToken.Mint(_key, Gateway, Target, Caller with { Traits = [] }, _time, TimeSpan.FromSeconds(30));

        var result = await ValidateAsync(token);

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Empty(CallerContextToken.Read((JsonWebToken)result.SecurityToken).Traits);
    }

    [Fact]
    public async Task Validate_AnotherTarget_IsRefused()
    {
        var token = CallerContextToken.Mint(_key, Gateway, "billing", Caller, _time, TimeSpan.FromSeconds(60));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(result.Exception);
    }

    [Fact]
    public async Task Validate_Expired_IsRefused()
    {
        var token = CallerContextToken.Mint(_key, Gateway, Target, Caller, _time, TimeSpan.FromSeconds(60));

        _time.Advance(TimeSpan.FromSeconds(60) + CallerContextToken.ClockSkew + TimeSpan.FromSeconds(1));
        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidLifetimeException>(result.Exception);
    }

    [Fact]
    public async Task Validate_ServiceTokenOfTheSameKey_IsRefused()
    {
        var token = ServiceToken.Mint(_key, Gateway, _time, TimeSpan.FromSeconds(60));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(result.Exception);
    }

    [Fact]
    public async Task Validate_WrongTypeOtherwiseValid_IsRefused()
    {
        var token = Sign(d => d.TokenType = "JWT");

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidTypeException>(result.Exception);
    }

    [Fact]
    public async Task Validate_PluginTokenSignedByATrustedKey_IsRefused()
    {
        // The registry's plugin token: iss fabrix-registry, aud fabrix, typ JWT, plugin traits.
        var now = _time.GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = PluginTokenClaims.Issuer,
            Audience = PluginTokenClaims.Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, "accounting"), new Claim(PluginTokenClaims.Traits, "handles_pii")]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(60),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256),
        });

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Validate_AlgNone_IsRefused()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode($$"""{"alg":"none","typ":"{{CallerContextToken.TokenType}}","kid":"{{_key.KeyId}}"}""");
        var payload = Base64UrlEncoder.Encode(
            $$"""{"iss":"{{Gateway}}","aud":"{{Target}}","sub":"accounting","fabrix_traits":[],"fabrix_correlation_id":"c1","iat":{{now}},"nbf":{{now}},"exp":{{now + 60}}}""");

        var result = await ValidateAsync($"{header}.{payload}.");

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Validate_Hs256KeyedWithThePublicKey_IsRefused()
    {
        // The classic algorithm confusion: an HMAC whose secret is the (public) verification key.
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_key.ECDsa.ExportSubjectPublicKeyInfoPem())) { KeyId = _key.KeyId };
        var token = Sign(_ => { }, new SigningCredentials(secret, SecurityAlgorithms.HmacSha256));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Validate_UnknownKeyId_IsRefused()
    {
        using var other = NewKey().ECDsa;
        var otherKey = new ECDsaSecurityKey(other) { KeyId = ServiceToken.KeyIdPrefix + "0123456789abcdef" };
        var token = CallerContextToken.Mint(otherKey, Gateway, Target, Caller, _time, TimeSpan.FromSeconds(60));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidIssuerException>(result.Exception);
    }

    [Fact]
    public async Task Validate_IssuerNotTheKeysService_IsRefused()
    {
        var token = CallerContextToken.Mint(_key, "core-proxy", Target, Caller, _time, TimeSpan.FromSeconds(60));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidIssuerException>(result.Exception);
    }

    [Fact]
    public async Task Validate_LifetimeOverSixtySeconds_IsRefused()
    {
        var token = Sign(d => d.Expires = _time.GetUtcNow().UtcDateTime.AddSeconds(61));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidLifetimeException>(result.Exception);
    }

    [Fact]
    public async Task Validate_CallerIdNotAPluginId_IsRefused()
    {
        var token = Sign(d => d.Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, "Accounting/..")]));

        var result = await ValidateAsync(token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidIssuerException>(result.Exception);
    }

    [Fact]
    public void Mint_LifetimeOverSixtySeconds_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CallerContextToken.Mint(_key, Gateway, Target, Caller, _time, TimeSpan.FromSeconds(61)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("new\nline")]
    public void Mint_BadCorrelationId_Throws(string correlationId)
    {
        Assert.Throws<ArgumentException>(() => CallerContextToken.Mint(_key, Gateway, Target, Caller with { CorrelationId = correlationId }, _time, TimeSpan.FromSeconds(60)));
    }

    private Task<TokenValidationResult> ValidateAsync(string token) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, CallerContextToken.ValidationParameters(
            new Dictionary<string, (string, SecurityKey)>(StringComparer.Ordinal) { [_key.KeyId] = (Gateway, _key) }, Target, _time));

    /// <summary>A well-formed caller context, changed by <paramref name="change"/>, then signed.</summary>
    private string Sign(Action<SecurityTokenDescriptor> change, SigningCredentials? credentials = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Gateway,
            Audience = Target,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, Caller.PluginId)]),
            Claims = new Dictionary<string, object> { [CallerContextToken.TraitsClaim] = Array.Empty<string>(), [CallerContextToken.CorrelationIdClaim] = "c1" },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(60),
            TokenType = CallerContextToken.TokenType,
        };
        change(descriptor);
        descriptor.SigningCredentials = credentials ?? new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256);
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private static ECDsaSecurityKey NewKey()
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new ECDsaSecurityKey(ecdsa) { KeyId = ServiceToken.KeyIdPrefix + Convert.ToHexStringLower(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo()))[..16] };
    }
}
