using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tokens;

/// <summary>A freshly signed token and its metadata. Only the metadata is ever stored.</summary>
internal sealed record IssuedToken(string Token, string KeyId, Guid Jti, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues plugin tokens (issue 2 section 4): ES256 JWT, <c>sub</c> = plugin id, issuer/audience from
/// <see cref="PluginTokenClaims"/>, claims for version, traits, contracts and manifest digest, a <c>jti</c>, lifetime
/// <see cref="TokenOptions.TokenLifetime"/>. The metadata row (jti, kid, iat, exp) is written in the caller's
/// transaction, so a token exists only if the change that issued it committed.
/// </summary>
internal sealed class PluginTokenIssuer(SigningKeyRing keyRing, IOptions<TokenOptions> options)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<IssuedToken> IssueAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        var key = await keyRing.GetActiveAsync(transaction, cancellationToken);

        // JWT times have one-second resolution: store exactly what the token says.
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(transaction.Now.ToUnixTimeSeconds());
        var expiresAt = issuedAt + options.Value.TokenLifetime;
        var jti = Guid.CreateVersion7(transaction.Now);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = PluginTokenClaims.Issuer,
            Audience = PluginTokenClaims.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(key.PrivateKey, SigningKeyRing.Algorithm),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Sub] = plugin.Id,
                [JwtRegisteredClaimNames.Jti] = jti.ToString("D"),
                [PluginTokenClaims.Version] = plugin.Version,
                [PluginTokenClaims.Traits] = plugin.Traits.ToList(),
                [PluginTokenClaims.Contracts] = plugin.Contracts.ToList(),
                [PluginTokenClaims.ManifestDigest] = plugin.ManifestDigest,
            },
        });

        await using var command = transaction.CreateCommand("""
            insert into plugin_tokens (jti, plugin_id, kid, issued_at, expires_at) values (@jti, @plugin_id, @kid, @iat, @exp)
            """);
        command.Parameters.AddWithValue("jti", jti);
        command.Parameters.AddWithValue("plugin_id", plugin.Id);
        command.Parameters.AddWithValue("kid", key.KeyId);
        command.Parameters.AddWithValue("iat", issuedAt);
        command.Parameters.AddWithValue("exp", expiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);

        return new IssuedToken(token, key.KeyId, jti, issuedAt, expiresAt);
    }
}
