using System.Collections.Concurrent;
using System.Security.Claims;
using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>
/// Mints development admin tokens (<see cref="DevelopmentAdminToken"/>) with the key the AppHost generated, for the
/// signed-in user's name and roles. One token per user and role set is reused until it is close to expiry, so a busy
/// page does not sign a token per call.
/// </summary>
internal sealed class DevelopmentAdminAccessTokenSource : IAdminAccessTokenSource
{
    // Renew well before expiry: a token must still be valid when a slow call reaches the registry (30 s clock skew there).
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, MintedToken> _tokens = new(StringComparer.Ordinal);
    private readonly Lazy<ECDsaSecurityKey> _key;
    private readonly TimeProvider _timeProvider;

    public DevelopmentAdminAccessTokenSource(IOptions<ConsoleSignInOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keyFile = options.Value.DevAdminKeyFile;
        _key = new Lazy<ECDsaSecurityKey>(() => DevelopmentAdminToken.LoadKey(keyFile!), LazyThreadSafetyMode.ExecutionAndPublication);
        _timeProvider = timeProvider;
    }

    public ValueTask<string> GetTokenAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var administrator = ConsoleUser.From(user);
        if (!administrator.IsAuthenticated)
        {
            throw new InvalidOperationException("No administrator is signed in.");
        }

        var now = _timeProvider.GetUtcNow();
        var cacheKey = administrator.Name + "\n" + string.Join(',', administrator.Roles);
        if (_tokens.TryGetValue(cacheKey, out var cached) && cached.ExpiresAt - now > RenewBefore)
        {
            return ValueTask.FromResult(cached.Token);
        }

        var token = DevelopmentAdminToken.Mint(_key.Value, administrator.Name, administrator.Roles, _timeProvider);
        _tokens[cacheKey] = new MintedToken(token, now + DevelopmentAdminToken.DefaultLifetime);
        RemoveExpired(now);
        return ValueTask.FromResult(token);
    }

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (key, minted) in _tokens)
        {
            if (minted.ExpiresAt <= now)
            {
                _tokens.TryRemove(key, out _);
            }
        }
    }

    private sealed record MintedToken(string Token, DateTimeOffset ExpiresAt);
}
