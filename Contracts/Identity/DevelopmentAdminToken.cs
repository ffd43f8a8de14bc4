using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Contracts.Identity;

/// <summary>
/// Short-lived administrator tokens for local runs without Entra ID (ARCHITECTURE.md "Console and CLI → core").
/// The AppHost generates one P-256 key under <c>.fabrix/</c> and hands its path to core, console and CLI
/// (<see cref="KeyFileEnvironmentVariable"/>). Core accepts these tokens only in Development and only when it
/// was given the key.
/// </summary>
public static class DevelopmentAdminToken
{
    /// <summary>Issuer of development administrator tokens.</summary>
    public const string Issuer = "fabrix-dev-admin";

    /// <summary>Audience: the core API.</summary>
    public const string Audience = "fabrix-core";

    /// <summary>Claim holding the administrator's roles (one value per role), as Entra ID app roles do.</summary>
    public const string RolesClaim = "roles";

    /// <summary>Configuration key (and, with <c>__</c>, environment variable) of the key file path.</summary>
    public const string KeyFileConfigurationKey = "Fabrix:DevAdmin:KeyFile";

    /// <summary>Environment variable the AppHost sets for every service and the CLI reads.</summary>
    public const string KeyFileEnvironmentVariable = "Fabrix__DevAdmin__KeyFile";

    /// <summary>
    /// Configuration key of a file holding only the public key (PEM <c>PUBLIC KEY</c>): what a plugin gets to check
    /// administrator tokens without being able to mint them.
    /// </summary>
    public const string PublicKeyFileConfigurationKey = "Fabrix:DevAdmin:PublicKeyFile";

    /// <summary>Environment variable form of <see cref="PublicKeyFileConfigurationKey"/>.</summary>
    public const string PublicKeyFileEnvironmentVariable = "Fabrix__DevAdmin__PublicKeyFile";

    /// <summary>Default lifetime of a minted token.</summary>
    public static TimeSpan DefaultLifetime { get; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The longest lifetime core accepts (issue 7): a leaked development token is useful for at most this long. Core
    /// refuses a token whose <c>exp</c> is more than this after its <c>iat</c>, or after now.
    /// </summary>
    public static TimeSpan MaxLifetime { get; } = TimeSpan.FromHours(1);

    /// <summary>Creates a new key file (PKCS#8 PEM, owner-only permissions) unless it exists. Returns the path.</summary>
    public static string EnsureKeyFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = key.ExportPkcs8PrivateKeyPem();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
        }

        return path;
    }

    /// <summary>Writes the public half of the key in <paramref name="keyFile"/> to <paramref name="publicKeyFile"/> (PEM), replacing it. Returns the path.</summary>
    public static string WritePublicKeyFile(string keyFile, string publicKeyFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyFile);
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyFile));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(publicKeyFile))!);
        File.WriteAllText(publicKeyFile, key.ExportSubjectPublicKeyInfoPem());
        return publicKeyFile;
    }

    /// <summary>
    /// Loads the key from a key file written by <see cref="EnsureKeyFile"/>, or only its public half from a file written
    /// by <see cref="WritePublicKeyFile"/> (enough to validate tokens). The key id is the same either way.
    /// </summary>
    public static ECDsaSecurityKey LoadKey(string path)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(path));
        return new ECDsaSecurityKey(ecdsa) { KeyId = KeyIdOf(ecdsa) };
    }

    /// <summary>Mints a token for <paramref name="userName"/> with <paramref name="roles"/>.</summary>
    public static string Mint(ECDsaSecurityKey key, string userName, IEnumerable<string> roles, TimeProvider timeProvider, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (lifetime is { } requested && (requested <= TimeSpan.Zero || requested > MaxLifetime))
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), requested, $"A development token lives at most {MaxLifetime}.");
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new("sub", userName), new("name", userName) };
        claims.AddRange(roles.Distinct(StringComparer.Ordinal).Select(r => new Claim(RolesClaim, r)));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = now.AddSeconds(-5),
            IssuedAt = now,
            Expires = now + (lifetime ?? DefaultLifetime),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>
    /// Validation parameters core uses for development tokens signed with <paramref name="key"/>: issuer, audience,
    /// ES256, the key's own <c>kid</c> (no other key is tried), an <c>iat</c>, and a lifetime of at most
    /// <see cref="MaxLifetime"/> counted both from <c>iat</c> and from now.
    /// </summary>
    public static TokenValidationParameters ValidationParameters(SecurityKey key, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var clock = timeProvider ?? TimeProvider.System;
        var skew = TimeSpan.FromSeconds(30);
        return new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            // Only a token whose header names this key's kid is checked against it.
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) =>
                string.Equals(kid, key.KeyId, StringComparison.Ordinal) ? [key] : [],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RoleClaimType = RolesClaim,
            NameClaimType = "name",
            ClockSkew = skew,
            RequireExpirationTime = true,
            LifetimeValidator = (notBefore, expires, token, parameters) => LifetimeProblem(notBefore, expires, token, clock.GetUtcNow().UtcDateTime, skew) is null,
        };
    }

    /// <summary>Why a development token's lifetime is refused, or null when it is acceptable.</summary>
    public static string? LifetimeProblem(DateTime? notBefore, DateTime? expires, SecurityToken? token, DateTime now, TimeSpan skew)
    {
        if (expires is not { } exp)
        {
            return "the token has no exp";
        }

        if (exp.ToUniversalTime() + skew < now)
        {
            return "the token has expired";
        }

        if (notBefore is { } nbf && nbf.ToUniversalTime() - skew > now)
        {
            return "the token is not valid yet";
        }

        if (token is not JsonWebToken { IssuedAt: var iat } || iat == DateTime.MinValue)
        {
            return "the token has no iat";
        }

        if (exp.ToUniversalTime() - iat.ToUniversalTime() > MaxLifetime || exp.ToUniversalTime() - now > MaxLifetime + skew)
        {
            return $"the token lives longer than {MaxLifetime}";
        }

        return null;
    }

    private static string KeyIdOf(ECDsa key)
    {
        var spki = key.ExportSubjectPublicKeyInfo();
        return Convert.ToHexStringLower(SHA256.HashData(spki))[..16];
    }
}
