using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tokens;

/// <summary>Who a valid plugin token speaks for.</summary>
internal sealed record PluginIdentity(string PluginId, string ManifestDigest, string KeyId, DateTimeOffset ExpiresAt);

/// <summary>Either an identity or the reason the token was rejected (never the token itself).</summary>
internal readonly record struct PluginTokenValidation(PluginIdentity? Identity, string? Failure);

/// <summary>
/// Authenticates plugins by the bearer token the registry issued: signature by one of our own keys (looked up by
/// <c>kid</c>), issuer, audience, ES256 only, lifetime against the injected clock.
/// </summary>
internal sealed class PluginTokenValidator(SigningKeyRing keyRing, TimeProvider timeProvider, IOptions<TokenOptions> options)
{
    private readonly JsonWebTokenHandler _handler = new();

    public async Task<PluginTokenValidation> ValidateAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        const string Prefix = "Bearer ";
        if (string.IsNullOrWhiteSpace(authorizationHeader) || !authorizationHeader.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Fail("no bearer token");
        }

        var token = authorizationHeader[Prefix.Length..].Trim();
        if (!_handler.CanReadToken(token))
        {
            return Fail("the bearer token is not a JWT");
        }

        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception exception) when (exception is SecurityTokenMalformedException or ArgumentException)
        {
            return Fail("the bearer token is malformed");
        }

        if (string.IsNullOrEmpty(jwt.Kid) || await keyRing.FindPublicKeyAsync(jwt.Kid, cancellationToken) is not { } key)
        {
            return Fail("the token was not signed by a registry key");
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = PluginTokenClaims.Issuer,
            ValidAudience = PluginTokenClaims.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SigningKeyRing.Algorithm],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = options.Value.ClockSkew,
            LifetimeValidator = IsWithinLifetime,
        });
        if (!result.IsValid)
        {
            return Fail(result.Exception switch
            {
                SecurityTokenInvalidLifetimeException => "the token has expired or is not valid yet",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the token signature is invalid",
                SecurityTokenInvalidIssuerException => "the token has the wrong issuer",
                SecurityTokenInvalidAudienceException => "the token has the wrong audience",
                _ => "the token is invalid",
            });
        }

        var subject = result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        var digest = result.ClaimsIdentity.FindFirst(PluginTokenClaims.ManifestDigest)?.Value;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(digest))
        {
            return Fail("the token lacks its subject or manifest digest");
        }

        return new PluginTokenValidation(new PluginIdentity(subject, digest, jwt.Kid, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero)), null);
    }

    /// <summary>Lifetime against the injected clock, so expiry is testable without waiting.</summary>
    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return expires is { } expiry
               && now < expiry + parameters.ClockSkew
               && (notBefore is not { } start || now >= start - parameters.ClockSkew);
    }

    private static PluginTokenValidation Fail(string reason) => new(null, reason);
}
