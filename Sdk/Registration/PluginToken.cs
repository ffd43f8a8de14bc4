namespace Fabrix.Plugins.Sdk;

/// <summary>
/// A plugin token issued by the registry (ES256 JWT, <c>sub</c> = plugin id). Send it as
/// <c>Authorization: Bearer …</c> when calling core. <see cref="ToString"/> never prints the token itself.
/// </summary>
public sealed class PluginToken
{
    /// <summary>Creates a token record.</summary>
    /// <param name="value">The compact JWT.</param>
    /// <param name="keyId">Id of the registry signing key.</param>
    /// <param name="receivedAt">When this process received it.</param>
    /// <param name="expiresAt">When it stops being accepted.</param>
    public PluginToken(string value, string keyId, DateTimeOffset receivedAt, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
        KeyId = keyId;
        ReceivedAt = receivedAt;
        ExpiresAt = expiresAt;
    }

    /// <summary>The compact JWT. Never log it.</summary>
    public string Value { get; }

    /// <summary>Id of the registry key that signed it (published in the registry's JWKS).</summary>
    public string KeyId { get; }

    /// <summary>When this process received the token.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>When the token expires.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The value of an <c>Authorization</c> header carrying this token.</summary>
    public string AuthorizationHeaderValue => $"Bearer {Value}";

    /// <summary>
    /// When the SDK renews the token: after two thirds of its lifetime, so a renewal that has to be retried still
    /// has a third of the lifetime left before the token lapses.
    /// </summary>
    public DateTimeOffset RenewAt => ReceivedAt + ((ExpiresAt - ReceivedAt) * 2 / 3);

    /// <summary>Describes the token without revealing it.</summary>
    public override string ToString() => $"PluginToken {{ KeyId = {KeyId}, ExpiresAt = {ExpiresAt:O} }}";
}
