using System.Text.Json.Serialization;
using Fabrix.Contracts.Identity;

namespace Fabrix.Core.Registry.Tokens;

/// <summary><c>GET /.well-known/jwks.json</c>: the public halves of every published signing key (RFC 7517).</summary>
internal static class JwksEndpoint
{
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PluginTokenClaims.JwksPath, async (SigningKeyRing keyRing, HttpContext context, CancellationToken cancellationToken) =>
        {
            var keys = await keyRing.GetPublishedCachedAsync(cancellationToken);
            var document = new JsonWebKeySetDocument([.. keys.Select(k => new PublicJsonWebKey("EC", "P-256", k.X, k.Y, k.KeyId, SigningKeyRing.Algorithm, "sig"))]);

            // Validators cache the set and refetch on an unknown kid; a short max-age bounds staleness after rotation. The
            // registry itself reads the keys at most every SigningKeyRing.PublishedKeysMaxAge, not per request.
            context.Response.Headers.CacheControl = "public, max-age=60";
            return TypedResults.Json(document, TokenJsonContext.Default.JsonWebKeySetDocument, contentType: "application/jwk-set+json");
        }).RequireRateLimiting(RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        return endpoints;
    }
}

internal sealed record JsonWebKeySetDocument(IReadOnlyList<PublicJsonWebKey> Keys);

internal sealed record PublicJsonWebKey(string Kty, string Crv, string X, string Y, string Kid, string Alg, string Use);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JsonWebKeySetDocument))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;
