using System.Collections.Concurrent;
using Fabrix.Contracts.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Plugins.Sdk.CallerContexts;

/// <summary>The verified caller, or why the request has none.</summary>
internal readonly record struct CallerVerification(CallerContext? Caller, string? Problem);

/// <summary>
/// Checks a request's caller context against this plugin's id and the registry's caller-context keys. The gateway
/// reuses one caller context per (caller, target) for most of its minute (issue 10 section 3), so a verified token is
/// cached until its <c>exp</c> and the ES256 check stays off the hot path.
/// </summary>
internal sealed class CallerContextVerifier(CallerContextKeys keys, IFabrixPlugin plugin, TimeProvider timeProvider)
{
    /// <summary>Verified tokens kept at most; a full cache is emptied (the gateway mints one token per caller and minute).</summary>
    private const int MaxCachedTokens = 4096;

    private const string BearerPrefix = "Bearer ";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly ConcurrentDictionary<string, (CallerContext Caller, DateTimeOffset Expires)> _verified = new(StringComparer.Ordinal);

    public async ValueTask<CallerVerification> VerifyAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return new(null, "The request has no Authorization header.");
        }

        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || authorization.Length == BearerPrefix.Length)
        {
            return new(null, "The Authorization header is not 'Bearer <caller context>'.");
        }

        var token = authorization[BearerPrefix.Length..].Trim();
        var now = timeProvider.GetUtcNow();
        if (_verified.TryGetValue(token, out var cached))
        {
            if (cached.Expires > now)
            {
                return new(cached.Caller, null);
            }

            _verified.TryRemove(token, out _);
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return new(null, "The bearer token is not a JWT.");
        }

        if (!string.Equals(jwt.Typ, CallerContextToken.TokenType, StringComparison.Ordinal))
        {
            return new(null, $"The bearer token is not a caller context (typ '{CallerContextToken.TokenType}'): call this plugin through the Fabrix gateway.");
        }

        var trusted = await keys.WithKeyAsync(jwt.Kid ?? string.Empty, cancellationToken).ConfigureAwait(false);
        if (trusted is null)
        {
            return new(null, "The caller-context keys could not be fetched from the registry, so no caller context can be verified.");
        }

        var result = await _handler.ValidateTokenAsync(jwt, CallerContextToken.ValidationParameters(trusted, plugin.PluginId, timeProvider)).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return new(null, Problem(result.Exception));
        }

        var caller = CallerContextToken.Read(jwt);
        if (_verified.Count >= MaxCachedTokens)
        {
            _verified.Clear();
        }

        _verified[token] = (caller, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
        return new(caller, null);
    }

    private string Problem(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException or SecurityTokenNotYetValidException =>
            $"The caller context has expired, is not valid yet or lives longer than {CallerContextToken.MaxLifetime.TotalSeconds:0} s.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The caller context is not signed by a key the registry publishes for caller contexts.",
        SecurityTokenInvalidIssuerException => "The caller context's issuer is not the service its key belongs to, or it names no valid caller.",
        SecurityTokenInvalidAudienceException => $"The caller context is for another plugin, not '{plugin.PluginId}'.",
        SecurityTokenInvalidAlgorithmException => "The caller context is not signed with ES256.",
        SecurityTokenInvalidTypeException => "The bearer token is not a caller context.",
        _ => "The caller context is invalid.",
    };
}
