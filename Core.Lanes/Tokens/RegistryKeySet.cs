using System.Buffers.Text;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>
/// The registry's token signing keys, fetched from its JWKS document and held as an immutable set that a fetch swaps
/// whole. Readers never lock. A lookup of an unknown <c>kid</c> refetches, but at most once per
/// <see cref="PluginTokenOptions.KeyRefreshInterval"/> (on the injected clock), and concurrent lookups share one fetch:
/// callers cannot make the lane hammer the registry (issue 9 sections 3 and 7). Only EC P-256 signature keys are taken;
/// a key that says it is for another algorithm or use is ignored. A failed fetch keeps the last good set.
/// </summary>
internal sealed partial class RegistryKeySet(HttpClient http, Uri jwksAddress, TimeSpan refreshInterval, TimeProvider timeProvider,
    PluginTokenMetrics metrics, ILogger<RegistryKeySet> logger)
{
    private readonly Lock _gate = new();
    private volatile FrozenDictionary<string, ECDsaSecurityKey>? _keys;
    private Task? _fetch;
    private long? _lastFetchStarted;

    /// <summary>Whether any fetch has succeeded (else a lookup that finds nothing means the keys are unavailable).</summary>
    public bool HasKeys => _keys is not null;

    /// <summary>The key with this id in the current set, without fetching.</summary>
    public ECDsaSecurityKey? Current(string keyId) => _keys is { } keys && keys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>The key with this id; refetches the set when it is unknown and the last fetch is old enough.</summary>
    public async ValueTask<ECDsaSecurityKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var seen = _keys;
        if (seen is not null && seen.TryGetValue(keyId, out var key))
        {
            return key;
        }

        Task fetch;
        lock (_gate)
        {
            // Another caller's fetch may have brought it in meanwhile.
            if (_keys is { } swapped && !ReferenceEquals(swapped, seen) && swapped.TryGetValue(keyId, out var fetched))
            {
                return fetched;
            }

            // A fetch that completed synchronously is already done before it was stored: completed means none running.
            if (_fetch is null || _fetch.IsCompleted)
            {
                var now = timeProvider.GetTimestamp();
                if (_lastFetchStarted is { } last && timeProvider.GetElapsedTime(last, now) < refreshInterval)
                {
                    return null;
                }

                _lastFetchStarted = now;
                _fetch = FetchAsync();
            }

            fetch = _fetch;
        }

        await fetch.WaitAsync(cancellationToken);
        return Current(keyId);
    }

    private async Task FetchAsync()
    {
        try
        {
            // One fetch serves every waiting caller: it is not tied to any caller's cancellation (HttpClient.Timeout bounds it).
            using var response = await http.GetAsync(jwksAddress, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(CancellationToken.None);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: CancellationToken.None);
            var keys = Parse(document.RootElement);
            _keys = keys;
            metrics.KeysFetched(succeeded: true);
            LogFetched(logger, keys.Count, jwksAddress);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            metrics.KeysFetched(succeeded: false);
            LogFetchFailed(logger, exception, jwksAddress);
        }
    }

    /// <summary>EC P-256 signature keys of a JWKS document (RFC 7517), by <c>kid</c>; anything else is skipped.</summary>
    internal static FrozenDictionary<string, ECDsaSecurityKey> Parse(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The JWKS document has no 'keys' array.");
        }

        var parsed = new Dictionary<string, ECDsaSecurityKey>(StringComparer.Ordinal);
        foreach (var jwk in keys.EnumerateArray())
        {
            if (jwk.ValueKind == JsonValueKind.Object
                && Text(jwk, "kty") == "EC"
                && Text(jwk, "crv") == "P-256"
                && Text(jwk, "alg") is null or SecurityAlgorithms.EcdsaSha256
                && Text(jwk, "use") is null or "sig"
                && Text(jwk, "kid") is { Length: > 0 } keyId
                && Coordinate(jwk, "x") is { } x
                && Coordinate(jwk, "y") is { } y)
            {
                try
                {
                    var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
                    parsed[keyId] = new ECDsaSecurityKey(ecdsa) { KeyId = keyId };
                }
                catch (CryptographicException)
                {
                    // Not a point on the curve: skip it like any other unusable key.
                }
            }
        }

        return parsed.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string? Text(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Coordinate(JsonElement jwk, string name)
    {
        if (Text(jwk, name) is not { } text)
        {
            return null;
        }

        try
        {
            var bytes = Base64Url.DecodeFromChars(text);
            return bytes.Length == 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Information, Message = "Fetched {Count} plugin token signing keys from {JwksAddress}")]
    private static partial void LogFetched(ILogger logger, int count, Uri jwksAddress);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Warning, Message = "Could not fetch the plugin token signing keys from {JwksAddress}; keeping the last good set")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, Uri jwksAddress);
}
