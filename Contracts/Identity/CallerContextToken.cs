using System.Security.Claims;
using Fabrix.Contracts.Manifests;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Contracts.Identity;

/// <summary>
/// A caller context (issue 10 section 3): the short-lived ES256 token a core service that mediates plugin-to-plugin
/// calls (the gateway, service name <see cref="DefaultIssuer"/>) puts in <c>Authorization: Bearer</c> in place of the
/// caller's own token, so the target plugin can tell a mediated call from a direct one and knows who calls.
/// It is signed with the service's identity key (the same P-256 key and <c>kid</c> <c>svc-…</c> as its
/// <see cref="ServiceToken"/>s). Header <c>typ</c> = <see cref="TokenType"/>; <c>iss</c> = the service name;
/// <c>aud</c> = the target plugin id; <c>sub</c> = the caller plugin id; <see cref="TraitsClaim"/> = the caller's
/// traits (a JSON array); <see cref="CorrelationIdClaim"/> = the correlation id; <c>iat</c>, <c>nbf</c>, <c>exp</c>
/// with a lifetime of at most <see cref="MaxLifetime"/>. None of plugin, administrator or service tokens has this
/// <c>typ</c> or a plugin id as audience, so none can pass for a caller context, nor one for them.
/// </summary>
public static class CallerContextToken
{
    /// <summary>The JWT header <c>typ</c> of a caller context; a token without it is not a caller context.</summary>
    public const string TokenType = "fabrix-caller+jwt";

    /// <summary>The core service that mints caller contexts unless configured otherwise: the gateway.</summary>
    public const string DefaultIssuer = "core-gateway";

    /// <summary>Claim holding the caller's manifest traits, a JSON array of strings (possibly empty).</summary>
    public const string TraitsClaim = "fabrix_traits";

    /// <summary>
    /// Claim holding the correlation id the minting service records with its decisions for this caller context (the
    /// gateway's audit rows carry it), so the target can quote it; the trace of one request flows in <c>traceparent</c>.
    /// </summary>
    public const string CorrelationIdClaim = "fabrix_correlation_id";

    /// <summary>Path on the registry of the JSON Web Key Set of the services allowed to mint caller contexts (no authentication).</summary>
    public const string KeysPath = "/.well-known/fabrix-caller-keys.json";

    /// <summary>Longest correlation id accepted.</summary>
    public const int MaxCorrelationIdLength = 128;

    /// <summary>The longest lifetime a caller context may have, counted from <c>iat</c> and from now (issue 10: 60 s at most).</summary>
    public static TimeSpan MaxLifetime { get; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Clock skew accepted on <c>nbf</c> and <c>exp</c>: small, because the whole token lives a minute and the minting
    /// service and the plugin run on machines whose clocks are kept in sync.
    /// </summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Mints a caller context for a call from <paramref name="caller"/> to <paramref name="targetPluginId"/>.</summary>
    /// <param name="key">The minting service's identity key (private), as loaded by <see cref="ServiceToken.LoadKey"/>.</param>
    /// <param name="serviceName">The minting service's name (<c>iss</c>).</param>
    /// <param name="targetPluginId">The plugin that receives the call (<c>aud</c>).</param>
    /// <param name="caller">The verified caller.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="lifetime">How long the token lives: more than zero, at most <see cref="MaxLifetime"/>.</param>
    public static string Mint(ECDsaSecurityKey key, string serviceName, string targetPluginId, CallerContext caller, TimeProvider timeProvider, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!ServiceToken.IsValidName(serviceName))
        {
            throw new ArgumentException($"'{serviceName}' is not a service name (1-64 of [a-z0-9-]).", nameof(serviceName));
        }

        if (!PluginIds.IsValid(targetPluginId))
        {
            throw new ArgumentException($"The target plugin id {PluginIds.Problem(targetPluginId)}", nameof(targetPluginId));
        }

        if (caller.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(caller));
        }

        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, $"A caller context lives at most {MaxLifetime}.");
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = serviceName,
            Audience = targetPluginId,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, caller.PluginId), new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N"))]),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [TraitsClaim] = caller.Traits.ToArray(),
                [CorrelationIdClaim] = caller.CorrelationId,
            },
            NotBefore = now,
            IssuedAt = now,
            Expires = now + lifetime,
            TokenType = TokenType,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
    }

    /// <summary>
    /// Validation parameters for caller contexts addressed to <paramref name="targetPluginId"/>.
    /// <paramref name="trustedKeys"/> maps each trusted key id to the service the key belongs to and its public key:
    /// only the key the header's <c>kid</c> names is tried (and it must start with <see cref="ServiceToken.KeyIdPrefix"/>),
    /// and the token's issuer must be that key's service. ES256 only, <see cref="TokenType"/> only, audience exactly
    /// <paramref name="targetPluginId"/>, <c>sub</c> a plugin id, a correlation id, and a lifetime of at most
    /// <see cref="MaxLifetime"/> from <c>iat</c> and from now.
    /// </summary>
    public static TokenValidationParameters ValidationParameters(IReadOnlyDictionary<string, (string Service, SecurityKey Key)> trustedKeys, string targetPluginId,
        TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(trustedKeys);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!PluginIds.IsValid(targetPluginId))
        {
            throw new ArgumentException($"The target plugin id {PluginIds.Problem(targetPluginId)}", nameof(targetPluginId));
        }

        return new TokenValidationParameters
        {
            ValidAudience = targetPluginId,
            AudienceValidator = (audiences, _, _) => audiences.Count() == 1 && string.Equals(audiences.Single(), targetPluginId, StringComparison.Ordinal),
            ValidTypes = [TokenType],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) =>
                kid is not null && kid.StartsWith(ServiceToken.KeyIdPrefix, StringComparison.Ordinal) && trustedKeys.TryGetValue(kid, out var entry) ? [entry.Key] : [],
            IssuerValidator = (issuer, token, _) =>
                token is JsonWebToken { Kid: { } kid } jwt && trustedKeys.TryGetValue(kid, out var entry)
                    && string.Equals(issuer, entry.Service, StringComparison.Ordinal)
                    && Read(jwt).Problem() is null
                    ? issuer
                    : throw new SecurityTokenInvalidIssuerException("The token's issuer is not the service its key belongs to, or it names no valid caller."),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, token, _) => LifetimeProblem(notBefore, expires, token, timeProvider.GetUtcNow().UtcDateTime) is null,
        };
    }

    /// <summary>The caller a (validated) caller context names. Missing claims read as empty values.</summary>
    public static CallerContext Read(JsonWebToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var traits = new List<string>();
        foreach (var claim in token.Claims)
        {
            if (string.Equals(claim.Type, TraitsClaim, StringComparison.Ordinal))
            {
                traits.Add(claim.Value);
            }
        }

        var correlationId = token.TryGetPayloadValue<string>(CorrelationIdClaim, out var value) ? value : string.Empty;
        return new CallerContext(token.Subject ?? string.Empty, traits, correlationId ?? string.Empty);
    }

    /// <summary>Why a caller context's lifetime is refused, or null when it is acceptable.</summary>
    private static string? LifetimeProblem(DateTime? notBefore, DateTime? expires, SecurityToken? token, DateTime now)
    {
        if (expires is not { } exp)
        {
            return "the token has no exp";
        }

        if (exp.ToUniversalTime() + ClockSkew < now)
        {
            return "the token has expired";
        }

        if (notBefore is { } nbf && nbf.ToUniversalTime() - ClockSkew > now)
        {
            return "the token is not valid yet";
        }

        if (token is not JsonWebToken { IssuedAt: var iat } || iat == DateTime.MinValue)
        {
            return "the token has no iat";
        }

        if (exp.ToUniversalTime() - iat.ToUniversalTime() > MaxLifetime || exp.ToUniversalTime() - now > MaxLifetime + ClockSkew)
        {
            return $"the token lives longer than {MaxLifetime}";
        }

        return null;
    }
}

/// <summary>The verified caller of a mediated call, as a caller context names it.</summary>
/// <param name="PluginId">The calling plugin's id (<c>sub</c>).</param>
/// <param name="Traits">The calling plugin's manifest traits (e.g. <c>handles_phi</c>).</param>
/// <param name="CorrelationId">The correlation id the minting service records with its decisions.</param>
public sealed record CallerContext(string PluginId, IReadOnlyList<string> Traits, string CorrelationId)
{
    /// <summary>True when the caller has trait <paramref name="trait"/>.</summary>
    public bool HasTrait(string trait) => Traits.Contains(trait, StringComparer.Ordinal);

    /// <summary>Why this is not a well-formed caller, or null.</summary>
    internal string? Problem()
    {
        if (PluginIds.Problem(PluginId ?? string.Empty) is { } problem)
        {
            return $"The caller plugin id {problem}";
        }

        if (Traits is null || Traits.Count > ManifestBounds.MaxTraits
            || Traits.Any(t => string.IsNullOrEmpty(t) || t.Length > ManifestBounds.MaxTraitLength || t.Any(char.IsControl)))
        {
            return $"The caller's traits must be at most {ManifestBounds.MaxTraits} non-empty strings of at most {ManifestBounds.MaxTraitLength} characters without control characters.";
        }

        if (string.IsNullOrEmpty(CorrelationId) || CorrelationId.Length > CallerContextToken.MaxCorrelationIdLength
            || !CorrelationId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
        {
            return $"The correlation id must be 1-{CallerContextToken.MaxCorrelationIdLength} of [A-Za-z0-9._:-].";
        }

        return null;
    }
}
