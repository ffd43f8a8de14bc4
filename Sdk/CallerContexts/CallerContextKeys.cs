using Fabrix.Contracts.Identity;
using Fabrix.Plugins.Sdk.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Plugins.Sdk.CallerContexts;

/// <summary>
/// The registry's caller-context keys (<see cref="CallerContextToken.KeysPath"/>), held as an immutable map that a fetch
/// swaps whole; readers never lock. A lookup of an unknown key id refetches, but at most once per refresh interval (on
/// the injected clock), and concurrent lookups share one fetch. A failed fetch keeps the last good set.
/// </summary>
internal sealed class CallerContextKeys(HttpClient http, Uri address, TimeSpan refreshInterval, TimeProvider timeProvider, ILogger<CallerContextKeys> logger)
{
    private readonly Lock _gate = new();
    private volatile IReadOnlyDictionary<string, (string Service, SecurityKey Key)>? _keys;
    private Task? _fetch;
    private long? _lastFetchStarted;

    /// <summary>The current set, or null before the first successful fetch.</summary>
    public IReadOnlyDictionary<string, (string Service, SecurityKey Key)>? Current => _keys;

    /// <summary>The current set once it holds <paramref name="keyId"/>, refetching (rate limited) when it does not; null when no set was ever fetched.</summary>
    public async ValueTask<IReadOnlyDictionary<string, (string Service, SecurityKey Key)>?> WithKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var seen = _keys;
        if (seen is not null && seen.ContainsKey(keyId))
        {
            return seen;
        }

        Task fetch;
        lock (_gate)
        {
            if (_keys is { } swapped && !ReferenceEquals(swapped, seen) && swapped.ContainsKey(keyId))
            {
                return swapped;
            }

            if (_fetch is null || _fetch.IsCompleted)
            {
                var now = timeProvider.GetTimestamp();
                if (_lastFetchStarted is { } last && timeProvider.GetElapsedTime(last, now) < refreshInterval)
                {
                    return _keys;
                }

                _lastFetchStarted = now;
                _fetch = FetchAsync();
            }

            fetch = _fetch;
        }

        await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _keys;
    }

    private async Task FetchAsync()
    {
        try
        {
            // One fetch serves every waiting request, so it is not tied to any request's cancellation (HttpClient.Timeout bounds it).
            using var response = await http.GetAsync(address, HttpCompletionOption.ResponseContentRead, CancellationToken.None).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var keys = CallerContextKeySet.Parse(await response.Content.ReadAsByteArrayAsync(CancellationToken.None).ConfigureAwait(false));
            _keys = keys;
            SdkLog.CallerKeysFetched(logger, keys.Count, address);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or FormatException)
        {
            SdkLog.CallerKeysFetchFailed(logger, exception, address);
        }
    }
}
