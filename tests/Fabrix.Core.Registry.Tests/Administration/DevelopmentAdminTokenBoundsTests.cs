using System.Security.Claims;
using System.Security.Cryptography;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tests.Administration;

/// <summary>Issue 7 section 1: development administrator tokens live at most an hour and carry the development key's kid.</summary>
public sealed class DevelopmentAdminTokenBoundsTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminCall_TokenWithinBounds_IsAccepted()
    {
        var token = Token(host.DevKey, host.DevKey.KeyId, lifetime: TimeSpan.FromMinutes(59));

        var response = await host.Admin.ListPluginsAsync(new ListPluginsRequest(), Bearer(token), cancellationToken: Ct);

        Assert.NotNull(response);
    }

    [Theory]
    [InlineData(61)]
    [InlineData(24 * 60)]
    public async Task AdminCall_TokenLivingOverAnHour_IsUnauthenticated(int minutes)
    {
        var token = Token(host.DevKey, host.DevKey.KeyId, lifetime: TimeSpan.FromMinutes(minutes));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.ListPluginsAsync(new ListPluginsRequest(), Bearer(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task AdminCall_IssuedAtBackdatedButExpiringWithinTheHour_IsUnauthenticated()
    {
        // exp - now is small, but exp - iat is two hours: someone minted it long-lived.
        var token = Token(host.DevKey, host.DevKey.KeyId, lifetime: TimeSpan.FromHours(2), issuedAgo: TimeSpan.FromMinutes(110));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.ListPluginsAsync(new ListPluginsRequest(), Bearer(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task AdminCall_OtherKid_IsUnauthenticatedEvenWhenSignedWithTheDevelopmentKey()
    {
        var token = Token(host.DevKey, "someone-elses-kid", lifetime: TimeSpan.FromMinutes(5));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.ListPluginsAsync(new ListPluginsRequest(), Bearer(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains(await host.AuditRowsAsync("plugins"), r => r is { Actor: "anonymous", Outcome: "refused" });
    }

    [Fact]
    public async Task AdminCall_OtherKeyClaimingTheDevelopmentKid_IsUnauthenticated()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = Token(new ECDsaSecurityKey(other), host.DevKey.KeyId, lifetime: TimeSpan.FromMinutes(5));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.ListPluginsAsync(new ListPluginsRequest(), Bearer(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public void Mint_LifetimeOverAnHour_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DevelopmentAdminToken.Mint(host.DevKey, "ada", [AdminRoles.Admin], TimeProvider.System, TimeSpan.FromMinutes(61)));
    }

    [Fact]
    public async Task ValidationParameters_MintedToken_Validates()
    {
        var token = DevelopmentAdminToken.Mint(host.DevKey, "ada", [AdminRoles.Admin], TimeProvider.System, DevelopmentAdminToken.MaxLifetime);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, DevelopmentAdminToken.ValidationParameters(host.DevKey));

        Assert.True(result.IsValid, result.Exception?.Message);
    }

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>A token minted by hand, so the test controls kid, iat and exp beyond what <see cref="DevelopmentAdminToken.Mint"/> allows.</summary>
    private static string Token(SecurityKey key, string kid, TimeSpan lifetime, TimeSpan? issuedAgo = null)
    {
        var signingKey = key switch
        {
            ECDsaSecurityKey ec => new ECDsaSecurityKey(ec.ECDsa) { KeyId = kid },
            _ => throw new ArgumentException("ECDsa only.", nameof(key)),
        };
        var issuedAt = DateTime.UtcNow - (issuedAgo ?? TimeSpan.Zero);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevelopmentAdminToken.Issuer,
            Audience = DevelopmentAdminToken.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", "mallory"), new Claim("name", "mallory"), new Claim(DevelopmentAdminToken.RolesClaim, AdminRoles.Admin)]),
            IssuedAt = issuedAt,
            NotBefore = issuedAt.AddSeconds(-5),
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.EcdsaSha256),
        });
    }
}
