using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>
/// The one plugin-token check every lane uses (issue 9 section 3). A token is accepted when it is a compact JWS signed
/// ES256 (whatever its header claims, no other algorithm is tried) by a key in the registry's JWKS, with the registry's
/// issuer and audience, within its lifetime give or take the registry's clock skew, and its subject is a plugin that is
/// <c>active</c> in the lane's policy snapshot with exactly the manifest digest the token carries (so an upgraded
/// plugin's old token stops working). The result is a <see cref="PluginCaller"/> or a refusal code, never an exception.
/// <para>
/// A validated token is kept by the SHA-256 of its text (<see cref="ValidatedTokenCache"/>) until it expires or its
/// plugin's policy entry changes; a repeat check then costs one hash, two dictionary reads and no allocation. The
/// snapshot's availability is checked on every call, cached or not: without a usable snapshot everything is refused.
/// </para>
/// </summary>
public sealed class PluginTokenCheck : IDisposable
{
    private readonly RegistryKeySet _keys;
    private readonly IPluginTokenPolicy _policy;
    private readonly TimeProvider _timeProvider;
    private readonly PluginTokenMetrics _metrics;
    private readonly ValidatedTokenCache _cache;
    private readonly TimeSpan _clockSkew;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;

    internal PluginTokenCheck(RegistryKeySet keys, IPluginTokenPolicy policy, IOptions<PluginTokenOptions> options, TimeProvider timeProvider, PluginTokenMetrics metrics)
    {
        _keys = keys;
        _policy = policy;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _cache = new ValidatedTokenCache(options.Value.CacheCapacity);
        _clockSkew = options.Value.ClockSkew;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = PluginTokenClaims.Issuer,
            ValidAudience = PluginTokenClaims.Audience,
            // Never the token's choice: ES256 only, and only a key the registry published under the token's kid.
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeyResolver = (_, _, keyId, _) => _keys.Current(keyId) is { } key ? [key] : [],
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = _clockSkew,
            LifetimeValidator = IsWithinLifetime,
        };
        _policy.PluginChanged += _cache.RemovePlugin;
    }

    /// <summary>Validated tokens currently kept.</summary>
    internal int CachedCount => _cache.Count;

    /// <summary>Checks a bearer token (the text after <c>Bearer </c>).</summary>
    /// <param name="token">The token; null or empty is <see cref="PluginTokenRefusalCode.Missing"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for a JWKS fetch.</param>
    /// <returns>The caller or the refusal. Completes synchronously on a cache hit.</returns>
    public ValueTask<PluginTokenResult> CheckAsync(string? token, CancellationToken cancellationToken) =>
        CheckAsync(token.AsMemory(), token, cancellationToken);

    /// <summary>
    /// Checks an <c>Authorization</c> header value: <c>Bearer &lt;token&gt;</c> (the scheme in any case, the token
    /// trimmed); anything else is <see cref="PluginTokenRefusalCode.Missing"/>. A token the cache holds is checked without
    /// copying it out of the header value, which is what a lane sees on nearly every request.
    /// </summary>
    public ValueTask<PluginTokenResult> CheckAuthorizationAsync(string? authorization, CancellationToken cancellationToken) =>
        CheckAsync(BearerToken(authorization), null, cancellationToken);

    /// <summary>The token of an <c>Authorization</c> value (<c>Bearer &lt;token&gt;</c>, trimmed), or empty.</summary>
    public static ReadOnlyMemory<char> BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization.AsMemory(7).Trim()
            : ReadOnlyMemory<char>.Empty;

    // The token as characters, and as a string when the caller already has one (copied only on a cache miss otherwise).
    private ValueTask<PluginTokenResult> CheckAsync(ReadOnlyMemory<char> token, string? text, CancellationToken cancellationToken)
    {
        if (token.IsEmpty)
        {
            return new ValueTask<PluginTokenResult>(Refuse(PluginTokenRefusalCode.Missing, "No plugin token was presented."));
        }

        if (!_policy.IsAvailable)
        {
            return new ValueTask<PluginTokenResult>(Refuse(PluginTokenRefusalCode.NoPolicy, "The lane holds no current policy snapshot."));
        }

        if (!TokenHash.TryCompute(token.Span, out var hash))
        {
            return new ValueTask<PluginTokenResult>(Refuse(PluginTokenRefusalCode.Malformed, "The plugin token is too long or not a compact JWT."));
        }

        if (_cache.TryGet(hash, out var cached))
        {
            if (_timeProvider.GetUtcNow() < cached.ValidUntil && _policy.Find(cached.Caller.PluginId) is { } current && current.Revision == cached.PolicyRevision)
            {
                _metrics.Cached();
                return new ValueTask<PluginTokenResult>(PluginTokenResult.Accepted(cached.Caller));
            }

            _cache.Remove(hash, cached);
        }

        return ValidateAsync(text ?? token.ToString(), hash, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _policy.PluginChanged -= _cache.RemovePlugin;

    private async ValueTask<PluginTokenResult> ValidateAsync(string token, TokenHash hash, CancellationToken cancellationToken)
    {
        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception exception) when (exception is SecurityTokenException or ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            return Refuse(PluginTokenRefusalCode.Malformed, "The plugin token is not a compact JWT.");
        }

        if (jwt.IsEncrypted)
        {
            return Refuse(PluginTokenRefusalCode.Malformed, "The plugin token is encrypted; plugin tokens are signed JWTs.");
        }

        if (!string.Equals(jwt.Alg, SecurityAlgorithms.EcdsaSha256, StringComparison.Ordinal))
        {
            return Refuse(PluginTokenRefusalCode.WrongAlgorithm, "The plugin token is not signed with ES256.");
        }

        if (string.IsNullOrEmpty(jwt.Kid))
        {
            return Refuse(PluginTokenRefusalCode.UnknownKey, "The plugin token names no signing key.");
        }

        if (await _keys.FindAsync(jwt.Kid, cancellationToken) is null)
        {
            return _keys.HasKeys
                ? Refuse(PluginTokenRefusalCode.UnknownKey, "The plugin token names no key the registry publishes.")
                : Refuse(PluginTokenRefusalCode.KeysUnavailable, "The registry's signing keys could not be fetched.");
        }

        var validation = await _handler.ValidateTokenAsync(jwt, _parameters);
        if (!validation.IsValid)
        {
            return validation.Exception switch
            {
                SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNotYetValidException or SecurityTokenNoExpirationException
                    => LifetimeRefusal(jwt),
                SecurityTokenInvalidIssuerException => Refuse(PluginTokenRefusalCode.WrongIssuer, "The plugin token was not issued by the Fabrix registry."),
                SecurityTokenInvalidAudienceException => Refuse(PluginTokenRefusalCode.WrongAudience, "The plugin token is not meant for Fabrix core."),
                SecurityTokenSignatureKeyNotFoundException => Refuse(PluginTokenRefusalCode.UnknownKey, "The plugin token names no key the registry publishes."),
                SecurityTokenInvalidAlgorithmException => Refuse(PluginTokenRefusalCode.WrongAlgorithm, "The plugin token is not signed with ES256."),
                SecurityTokenInvalidSignatureException => Refuse(PluginTokenRefusalCode.BadSignature, "The plugin token's signature does not verify."),
                _ => Refuse(PluginTokenRefusalCode.Malformed, "The plugin token could not be validated."),
            };
        }

        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var pluginId) || string.IsNullOrEmpty(pluginId)
            || !jwt.TryGetPayloadValue<string>(PluginTokenClaims.ManifestDigest, out var digest) || string.IsNullOrEmpty(digest))
        {
            return Refuse(PluginTokenRefusalCode.Malformed, "The plugin token lacks its subject or manifest digest.");
        }

        if (!_policy.IsAvailable)
        {
            return Refuse(PluginTokenRefusalCode.NoPolicy, "The lane holds no current policy snapshot.");
        }

        if (_policy.Find(pluginId) is not { } entry)
        {
            return Refuse(PluginTokenRefusalCode.UnknownPlugin, "The plugin token's subject is not an installed plugin.");
        }

        if (!entry.IsActive)
        {
            return Refuse(PluginTokenRefusalCode.PluginNotActive, "The plugin is not active.");
        }

        if (!string.Equals(digest, entry.PinnedManifestDigest, StringComparison.Ordinal))
        {
            return Refuse(PluginTokenRefusalCode.DigestNotPinned, "The plugin token was issued for a manifest other than the plugin's pinned one.");
        }

        var expiresAt = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var caller = new PluginCaller(pluginId, entry.Traits, entry.DataClassifications, expiresAt);
        _cache.Add(hash, new ValidatedToken(caller, expiresAt + _clockSkew, entry.Revision), _timeProvider.GetUtcNow());
        _metrics.Validated();
        return PluginTokenResult.Accepted(caller);
    }

    private PluginTokenResult LifetimeRefusal(JsonWebToken jwt) =>
        jwt.ValidTo == DateTime.MinValue ? Refuse(PluginTokenRefusalCode.Malformed, "The plugin token has no expiry.")
        : _timeProvider.GetUtcNow().UtcDateTime >= jwt.ValidTo + _clockSkew ? Refuse(PluginTokenRefusalCode.Expired, "The plugin token has expired.")
        : Refuse(PluginTokenRefusalCode.NotYetValid, "The plugin token is not valid yet.");

    /// <summary>Lifetime against the injected clock (as the registry's own validator does), so expiry is testable without waiting.</summary>
    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        return expires is { } expiry
               && now < expiry + parameters.ClockSkew
               && (notBefore is not { } start || now >= start - parameters.ClockSkew);
    }

    private PluginTokenResult Refuse(PluginTokenRefusalCode code, string reason)
    {
        _metrics.Refused(code);
        return PluginTokenResult.Refused(code, reason);
    }
}
