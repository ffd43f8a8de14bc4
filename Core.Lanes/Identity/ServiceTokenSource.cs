using Fabrix.Contracts.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Lanes.Identity;

/// <summary>
/// Mints this service's tokens (<see cref="ServiceToken"/>) from its key file and caches the current one: a call reuses
/// it until a quarter of its lifetime is left, then one caller mints the next (a token is a signature, microseconds;
/// no lock is held while others read). The key is read once, at first use.
/// </summary>
public sealed class ServiceTokenSource
{
    private readonly ServiceIdentityOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Lazy<ECDsaSecurityKey> _key;
    private readonly Lock _mint = new();
    private volatile Minted? _current;

    /// <summary>Creates the source for the configured identity.</summary>
    public ServiceTokenSource(IOptions<ServiceIdentityOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider;
        _key = new Lazy<ECDsaSecurityKey>(() => ServiceToken.LoadKey(_options.KeyPath), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The service name the tokens speak for.</summary>
    public string ServiceName => _options.Name;

    /// <summary>A valid token for this service, minted when the cached one is missing or near its end.</summary>
    public string GetToken()
    {
        var now = _timeProvider.GetUtcNow();
        if (_current is { } current && now < current.RenewAt)
        {
            return current.Token;
        }

        lock (_mint)
        {
            if (_current is { } again && now < again.RenewAt)
            {
                return again.Token;
            }

            var lifetime = _options.TokenLifetime;
            var token = ServiceToken.Mint(_key.Value, _options.Name, _timeProvider, lifetime);
            _current = new Minted(token, now + (lifetime * 0.75));
            return token;
        }
    }

    private sealed record Minted(string Token, DateTimeOffset RenewAt);
}
