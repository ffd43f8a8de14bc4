using System.Diagnostics.CodeAnalysis;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>Why a lane refused a plugin token. Stable: lanes map each code to a status once, and audit records carry it.</summary>
public enum PluginTokenRefusalCode
{
    /// <summary>No token was presented.</summary>
    Missing = 1,

    /// <summary>Not a signed compact JWT, too long, not ASCII, or lacking its subject, expiry or manifest digest.</summary>
    Malformed,

    /// <summary>The header names an algorithm other than ES256 (<c>none</c>, HS256, RS256, ...): the token's <c>alg</c> is never trusted.</summary>
    WrongAlgorithm,

    /// <summary>The <c>kid</c> is missing or names no key in the registry's JWKS, even after a refetch (or the refetch was rate limited).</summary>
    UnknownKey,

    /// <summary>The registry's JWKS could not be fetched and no keys are held: the check fails closed.</summary>
    KeysUnavailable,

    /// <summary>The signature does not verify with the named key.</summary>
    BadSignature,

    /// <summary>The token expired (beyond the registry's clock skew).</summary>
    Expired,

    /// <summary>The token's <c>nbf</c> is still in the future (beyond the clock skew).</summary>
    NotYetValid,

    /// <summary>The issuer is not the Fabrix registry.</summary>
    WrongIssuer,

    /// <summary>The audience is not Fabrix core.</summary>
    WrongAudience,

    /// <summary>The lane holds no usable policy snapshot (none yet, or stale): it refuses everything.</summary>
    NoPolicy,

    /// <summary>The token's subject is not a plugin in the policy snapshot.</summary>
    UnknownPlugin,

    /// <summary>The plugin is in the snapshot but not <c>active</c> (disabled, registered, unregistered).</summary>
    PluginNotActive,

    /// <summary>The token's manifest digest is not the plugin's pinned digest: it was issued for another manifest (e.g. before an upgrade).</summary>
    DigestNotPinned,
}

/// <summary>A refusal as a value: the code and a reason a person can read. Never carries the token or any of its parts.</summary>
/// <param name="Code">The stable code.</param>
/// <param name="Reason">A fixed English sentence for logs and ProblemDetails.</param>
public readonly record struct PluginTokenRefusal(PluginTokenRefusalCode Code, string Reason);

/// <summary>The plugin a valid token speaks for, as the lane's policy snapshot describes it.</summary>
/// <param name="PluginId">The token's subject, a plugin that is active in the snapshot.</param>
/// <param name="Traits">The plugin's traits, from the snapshot.</param>
/// <param name="DataClassifications">The plugin's data classifications, from the snapshot.</param>
/// <param name="ExpiresAt">The token's <c>exp</c>.</param>
public sealed record PluginCaller(string PluginId, IReadOnlyList<string> Traits, IReadOnlyList<string> DataClassifications, DateTimeOffset ExpiresAt);

/// <summary>Either a <see cref="PluginCaller"/> or a <see cref="PluginTokenRefusal"/>. A struct, so a cached check allocates nothing.</summary>
public readonly struct PluginTokenResult
{
    private PluginTokenResult(PluginCaller? caller, PluginTokenRefusal refusal)
    {
        Caller = caller;
        Refusal = refusal;
    }

    /// <summary>The caller; set exactly when <see cref="IsAccepted"/>.</summary>
    public PluginCaller? Caller { get; }

    /// <summary>The refusal; meaningful only when not <see cref="IsAccepted"/>.</summary>
    public PluginTokenRefusal Refusal { get; }

    /// <summary>Whether the token was accepted.</summary>
    [MemberNotNullWhen(true, nameof(Caller))]
    public bool IsAccepted => Caller is not null;

    /// <summary>An accepted token.</summary>
    /// <param name="caller">Who it speaks for.</param>
    /// <returns>The result.</returns>
    public static PluginTokenResult Accepted(PluginCaller caller) => new(caller, default);

    /// <summary>A refused token.</summary>
    /// <param name="code">Why.</param>
    /// <param name="reason">A fixed sentence; never the token.</param>
    /// <returns>The result.</returns>
    public static PluginTokenResult Refused(PluginTokenRefusalCode code, string reason) => new(null, new PluginTokenRefusal(code, reason));

    /// <inheritdoc />
    public override string ToString() => IsAccepted ? $"accepted {Caller.PluginId}" : $"refused {Refusal.Code}: {Refusal.Reason}";
}
