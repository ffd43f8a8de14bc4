using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>An ES256 key as the registry holds one, and tokens signed with it the way the registry signs them (or deliberately not).</summary>
internal sealed class TestSigningKey
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TestSigningKey(string? keyId = null)
    {
        Ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        KeyId = keyId ?? Guid.NewGuid().ToString("N");
        PrivateKey = new ECDsaSecurityKey(Ecdsa) { KeyId = KeyId };
    }

    public ECDsa Ecdsa { get; }

    public string KeyId { get; }

    public ECDsaSecurityKey PrivateKey { get; }

    /// <summary>The public half as a JWKS entry, as <c>/.well-known/jwks.json</c> serves it.</summary>
    public JsonObject Jwk()
    {
        var q = Ecdsa.ExportParameters(includePrivateParameters: false).Q;
        return new JsonObject
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(q.X), ["y"] = Base64Url.EncodeToString(q.Y),
            ["kid"] = KeyId, ["alg"] = "ES256", ["use"] = "sig",
        };
    }

    /// <summary>A token as the registry issues it, issued at <paramref name="issuedAt"/>, with changes applied to its descriptor.</summary>
    public string Issue(string pluginId, string digest, DateTimeOffset issuedAt, TimeSpan? lifetime = null, Action<SecurityTokenDescriptor>? change = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = PluginTokenClaims.Issuer,
            Audience = PluginTokenClaims.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = (issuedAt + (lifetime ?? TimeSpan.FromMinutes(15))).UtcDateTime,
            SigningCredentials = new SigningCredentials(PrivateKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Sub] = pluginId,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("D"),
                [PluginTokenClaims.Version] = "1.0.0",
                [PluginTokenClaims.Traits] = new List<string> { "handles_pii" },
                [PluginTokenClaims.ManifestDigest] = digest,
            },
        };
        change?.Invoke(descriptor);
        return Handler.CreateToken(descriptor);
    }

    /// <summary>
    /// The same claims under a header of our choosing, signed by <paramref name="sign"/> over <c>header.payload</c>
    /// (null: no signature at all, as <c>alg: none</c> has).
    /// </summary>
    public string Forge(string validToken, string alg, Func<byte[], byte[]>? sign)
    {
        var payload = validToken.Split('.')[1];
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"{{alg}}","kid":"{{KeyId}}","typ":"JWT"}"""));
        var signingInput = $"{header}.{payload}";
        var signature = sign is null ? string.Empty : Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signingInput)));
        return $"{signingInput}.{signature}";
    }

    /// <summary>The public key as PEM text: what an attacker has, and uses as an HMAC secret in the classic algorithm confusion.</summary>
    public byte[] PublicKeyPem() => Encoding.ASCII.GetBytes(Ecdsa.ExportSubjectPublicKeyInfoPem());
}
