using System.Security.Cryptography;
using Fabrix.Contracts.Identity;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>
/// Stands in for the gateway when testing a plugin that uses <c>UseFabrixCallerContext()</c>: a fresh P-256 service key
/// (key id <c>svc-…</c>) for <see cref="ServiceName"/>, which mints caller contexts exactly as the gateway does
/// (<see cref="CallerContextToken.Mint"/>) and publishes its key through a <see cref="ScriptedCallerKeysServer"/>.
/// </summary>
public sealed class CallerContextIssuer : IDisposable
{
    private readonly ECDsa _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>Creates an issuer with a new key.</summary>
    /// <param name="timeProvider">The clock tokens are minted on; the plugin's own (e.g. a <c>FakeTimeProvider</c>) to test expiry.</param>
    /// <param name="serviceName">The minting service; <see cref="CallerContextToken.DefaultIssuer"/> by default.</param>
    public CallerContextIssuer(TimeProvider? timeProvider = null, string serviceName = CallerContextToken.DefaultIssuer)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        ServiceName = serviceName;
        Key = new ECDsaSecurityKey(_ecdsa) { KeyId = ServiceToken.KeyIdPrefix + Convert.ToHexStringLower(SHA256.HashData(_ecdsa.ExportSubjectPublicKeyInfo()))[..16] };
    }

    /// <summary>The service the key belongs to (the tokens' <c>iss</c>).</summary>
    public string ServiceName { get; }

    /// <summary>The signing key (private).</summary>
    public ECDsaSecurityKey Key { get; }

    /// <summary>The clock tokens are minted on.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Mints a caller context for a call from <paramref name="callerPluginId"/> to <paramref name="targetPluginId"/>.</summary>
    /// <param name="callerPluginId">The calling plugin.</param>
    /// <param name="targetPluginId">The plugin under test.</param>
    /// <param name="traits">The caller's traits; none by default.</param>
    /// <param name="correlationId">The correlation id; a new one by default.</param>
    /// <param name="lifetime">At most 60 s; 60 s by default.</param>
    /// <returns>The compact JWT, for <c>Authorization: Bearer</c>.</returns>
    public string Mint(string callerPluginId, string targetPluginId, IReadOnlyList<string>? traits = null, string? correlationId = null, TimeSpan? lifetime = null) =>
        CallerContextToken.Mint(Key, ServiceName, targetPluginId, new CallerContext(callerPluginId, traits ?? [], correlationId ?? Guid.NewGuid().ToString("N")),
            TimeProvider, lifetime ?? CallerContextToken.MaxLifetime);

    /// <summary>The key set the registry would publish for this issuer (<see cref="CallerContextKeySet"/>).</summary>
    /// <returns>UTF-8 JSON.</returns>
    public byte[] KeySet() => CallerContextKeySet.Write([(ServiceName, Key)]);

    /// <summary>Disposes the key.</summary>
    public void Dispose() => _ecdsa.Dispose();
}
