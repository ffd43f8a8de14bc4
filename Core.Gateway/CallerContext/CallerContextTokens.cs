using System.Collections.Concurrent;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Gateway.Forwarding;
using Fabrix.Core.Lanes.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Gateway.CallerContext;

/// <summary>
/// The caller-context tokens the gateway puts in place of the caller's own (issue 10 section 3): minted with the
/// gateway's service-identity key (<see cref="CallerContextToken"/>), one per (caller, target), reused until
/// <c>CallerContextRenewBefore</c> before it expires, so signing (an ECDSA signature) stays off the hot path. The
/// token's correlation id is the trace id of the call that minted it; each call's own trace flows in <c>traceparent</c>.
/// A caller whose traits change gets a new token: the traits are part of the cache key's check.
/// </summary>
internal sealed class CallerContextTokens(ServiceTokenSource identity, IOptions<ServiceIdentityOptions> identityOptions, IOptions<GatewayOptions> options,
    TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string Caller, string Target), Minted> _tokens = new();
    private readonly Lazy<ECDsaSecurityKey> _key = new(() => ServiceToken.LoadKey(identityOptions.Value.KeyPath), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly GatewayOptions _options = options.Value;

    /// <summary>Tokens held.</summary>
    public int Count => _tokens.Count;

    /// <summary>
    /// The <c>Authorization</c> header value (<c>Bearer</c> and the caller context) the target gets, from the cache when
    /// the token is fresh: a cached call allocates nothing here.
    /// </summary>
    public string AuthorizationFor(string caller, IReadOnlyList<string> traits, string target, string correlationId) =>
        Get(caller, traits, target, correlationId).Authorization;

    private Minted Get(string caller, IReadOnlyList<string> traits, string target, string correlationId)
    {
        var now = timeProvider.GetUtcNow();
        if (_tokens.TryGetValue((caller, target), out var minted) && now < minted.RenewAt && ReferenceEquals(minted.Traits, traits))
        {
            return minted;
        }

        var lifetime = _options.CallerContextLifetime;
        var token = CallerContextToken.Mint(_key.Value, identity.ServiceName, target, new Contracts.Identity.CallerContext(caller, traits, correlationId),
            timeProvider, lifetime);
        minted = new Minted(token, $"Bearer {token}", traits, now + lifetime - _options.CallerContextRenewBefore);
        _tokens[(caller, target)] = minted;
        return minted;
    }

    /// <summary>Drops every token of or to <paramref name="pluginId"/> (its policy entry changed).</summary>
    public void Forget(string pluginId)
    {
        foreach (var key in _tokens.Keys)
        {
            if (string.Equals(key.Caller, pluginId, StringComparison.Ordinal) || string.Equals(key.Target, pluginId, StringComparison.Ordinal))
            {
                _tokens.TryRemove(key, out _);
            }
        }
    }

    private sealed record Minted(string Token, string Authorization, IReadOnlyList<string> Traits, DateTimeOffset RenewAt);
}
