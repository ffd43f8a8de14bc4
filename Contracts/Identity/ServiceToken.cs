using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Contracts.Identity;

/// <summary>
/// Core service identity (issue 9 section 2; ARCHITECTURE.md "Identity and trust"): a core service (a lane) proves who
/// it is to the registry with a short-lived ES256 token it signs itself with its own P-256 key, kept in a PEM file (the
/// AppHost generates one per service under <c>.fabrix/keys/</c>, like the development admin key). The registry holds
/// only the public half, bound to the service's name. <c>iss</c> = <c>sub</c> = the service name, <c>aud</c> =
/// <see cref="Audience"/>, header <c>typ</c> = <see cref="TokenType"/> and a <c>kid</c> starting with
/// <see cref="KeyIdPrefix"/>: none of these is ever true of a plugin token (audience <c>fabrix</c>) or an
/// administrator token (audience <c>fabrix-core</c>), so one can never pass for the other.
/// </summary>
public static partial class ServiceToken
{
    /// <summary>Audience of every service token: the core services' internal API.</summary>
    public const string Audience = "fabrix-core-services";

    /// <summary>The JWT header <c>typ</c> of a service token; a token without it is not a service token.</summary>
    public const string TokenType = "fabrix-service+jwt";

    /// <summary>Every service key id starts with this (plugin and administrator key ids never do).</summary>
    public const string KeyIdPrefix = "svc-";

    /// <summary>The longest lifetime the registry accepts, counted from <c>iat</c> and from now (issue 9: at most 5 minutes).</summary>
    public static TimeSpan MaxLifetime { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock skew accepted on <c>nbf</c> and <c>exp</c>.</summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromSeconds(30);

    /// <summary>True when <paramref name="name"/> is a valid service name: 1–64 of <c>[a-z0-9-]</c>, as plugin ids.</summary>
    public static bool IsValidName(string? name) => name is not null && ServiceName().IsMatch(name);

    /// <summary>Creates a new P-256 key file (PKCS#8 PEM, owner-only permissions) unless it exists. Returns the path.</summary>
    public static string EnsureKeyFile(string path) => DevelopmentAdminToken.EnsureKeyFile(path);

    /// <summary>Writes the public half of the key in <paramref name="keyFile"/> to <paramref name="publicKeyFile"/> (PEM). Returns the path.</summary>
    public static string WritePublicKeyFile(string keyFile, string publicKeyFile) => DevelopmentAdminToken.WritePublicKeyFile(keyFile, publicKeyFile);

    /// <summary>
    /// Loads a P-256 key (private, to mint; or only public, to validate) from a PEM file. The key id is
    /// <see cref="KeyIdPrefix"/> plus the first 16 hex digits of the SHA-256 of the public key, the same either way.
    /// </summary>
    public static ECDsaSecurityKey LoadKey(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(path));
        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new CryptographicException($"'{path}' does not hold a P-256 key (ES256).");
        }

        return new ECDsaSecurityKey(ecdsa) { KeyId = KeyIdPrefix + Convert.ToHexStringLower(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo()))[..16] };
    }

    /// <summary>Mints a token for service <paramref name="serviceName"/>, valid for <paramref name="lifetime"/> (at most <see cref="MaxLifetime"/>).</summary>
    public static string Mint(ECDsaSecurityKey key, string serviceName, TimeProvider timeProvider, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!IsValidName(serviceName))
        {
            throw new ArgumentException($"'{serviceName}' is not a service name (1-64 of [a-z0-9-]).", nameof(serviceName));
        }

        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, $"A service token lives at most {MaxLifetime}.");
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = serviceName,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, serviceName), new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N"))]),
            NotBefore = now,
            IssuedAt = now,
            Expires = now + lifetime,
            TokenType = TokenType,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
    }

    /// <summary>
    /// Validation parameters for service tokens. <paramref name="trusted"/> maps each trusted key id to the service the
    /// key belongs to and its public key: only the key the header's <c>kid</c> names is tried, and the token's issuer
    /// must be that key's service (a key cannot speak for another service). ES256 only, <see cref="TokenType"/> only,
    /// <see cref="Audience"/>, and a lifetime of at most <see cref="MaxLifetime"/> from <c>iat</c> and from now.
    /// </summary>
    public static TokenValidationParameters ValidationParameters(IReadOnlyDictionary<string, (string Service, SecurityKey Key)> trusted, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new TokenValidationParameters
        {
            ValidAudience = Audience,
            ValidTypes = [TokenType],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => kid is not null && trusted.TryGetValue(kid, out var entry) ? [entry.Key] : [],
            IssuerValidator = (issuer, token, _) =>
                token is JsonWebToken { Kid: { } kid } jwt && trusted.TryGetValue(kid, out var entry)
                    && string.Equals(issuer, entry.Service, StringComparison.Ordinal)
                    && string.Equals(jwt.Subject, entry.Service, StringComparison.Ordinal)
                    ? issuer
                    : throw new SecurityTokenInvalidIssuerException("The token's issuer and subject are not the service its key belongs to."),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, token, _) =>
                DevelopmentAdminToken.LifetimeProblem(notBefore, expires, token, timeProvider.GetUtcNow().UtcDateTime, ClockSkew) is null
                && token is JsonWebToken { IssuedAt: var iat } && expires is { } exp
                && exp.ToUniversalTime() - iat.ToUniversalTime() <= MaxLifetime
                && exp.ToUniversalTime() - timeProvider.GetUtcNow().UtcDateTime <= MaxLifetime + ClockSkew,
        };
    }

    [GeneratedRegex("^[a-z0-9-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();
}
