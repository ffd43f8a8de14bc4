using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Contracts.Identity;

/// <summary>
/// The key set the registry publishes at <see cref="CallerContextToken.KeysPath"/> (issue 10 section 3): a JSON Web Key
/// Set (RFC 7517) of the public keys of the core services allowed to mint caller contexts. Each key is
/// <c>{"kty":"EC","crv":"P-256","x":…,"y":…,"kid":"svc-…","alg":"ES256","use":"sig","fabrix_service":"core-gateway"}</c>:
/// <see cref="ServiceMember"/> names the service the key belongs to, which a caller context's <c>iss</c> must equal.
/// Written and read here, so the registry, the SDK and the test kit agree on every byte.
/// </summary>
public static class CallerContextKeySet
{
    /// <summary>The JWK member naming the core service a key belongs to.</summary>
    public const string ServiceMember = "fabrix_service";

    /// <summary>Media type of the document.</summary>
    public const string ContentType = "application/jwk-set+json";

    /// <summary>The most keys a set may hold; more is refused when read.</summary>
    public const int MaxKeys = 64;

    /// <summary>Writes the key set of <paramref name="keys"/> (each the service's name and its P-256 key; only the public half is written).</summary>
    public static byte[] Write(IEnumerable<(string Service, ECDsaSecurityKey Key)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var (service, key) in keys)
            {
                if (!ServiceToken.IsValidName(service))
                {
                    throw new ArgumentException($"'{service}' is not a service name (1-64 of [a-z0-9-]).", nameof(keys));
                }

                var point = key.ECDsa.ExportParameters(includePrivateParameters: false).Q;
                writer.WriteStartObject();
                writer.WriteString("kty", "EC");
                writer.WriteString("crv", "P-256");
                writer.WriteString("x", Base64UrlEncoder.Encode(point.X));
                writer.WriteString("y", Base64UrlEncoder.Encode(point.Y));
                writer.WriteString("kid", key.KeyId);
                writer.WriteString("alg", SecurityAlgorithms.EcdsaSha256);
                writer.WriteString("use", "sig");
                writer.WriteString(ServiceMember, service);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Reads a key set into what <see cref="CallerContextToken.ValidationParameters"/> takes: key id → (service, public
    /// key). Throws <see cref="FormatException"/> naming the first bad member (not JSON, not EC P-256 ES256 signing keys,
    /// a key id without the <c>svc-</c> prefix, a missing or invalid service name, a point not on the curve, more than
    /// <see cref="MaxKeys"/> keys, the same key id twice).
    /// </summary>
    public static IReadOnlyDictionary<string, (string Service, SecurityKey Key)> Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException exception)
        {
            throw new FormatException($"The caller-context key set is not JSON ({exception.Message}).", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("The caller-context key set has no 'keys' array.");
            }

            if (keys.GetArrayLength() > MaxKeys)
            {
                throw new FormatException($"The caller-context key set holds more than {MaxKeys} keys.");
            }

            var result = new Dictionary<string, (string Service, SecurityKey Key)>(StringComparer.Ordinal);
            var index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                var path = $"keys[{index++}]";
                if (key.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{path} is not an object.");
                }

                Expect(key, path, "kty", "EC");
                Expect(key, path, "crv", "P-256");
                Expect(key, path, "alg", SecurityAlgorithms.EcdsaSha256);
                if (key.TryGetProperty("use", out _))
                {
                    Expect(key, path, "use", "sig");
                }

                var kid = Member(key, path, "kid");
                if (!kid.StartsWith(ServiceToken.KeyIdPrefix, StringComparison.Ordinal))
                {
                    throw new FormatException($"{path}.kid '{kid}' is not a service key id ({ServiceToken.KeyIdPrefix}…).");
                }

                var service = Member(key, path, ServiceMember);
                if (!ServiceToken.IsValidName(service))
                {
                    throw new FormatException($"{path}.{ServiceMember} is not a service name (1-64 of [a-z0-9-]).");
                }

                ECDsa ecdsa;
                try
                {
                    ecdsa = ECDsa.Create(new ECParameters
                    {
                        Curve = ECCurve.NamedCurves.nistP256,
                        Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(Member(key, path, "x")), Y = Base64UrlEncoder.DecodeBytes(Member(key, path, "y")) },
                    });
                }
                catch (Exception exception) when (exception is CryptographicException or FormatException or ArgumentException)
                {
                    throw new FormatException($"{path} is not a valid P-256 public key ({exception.Message}).", exception);
                }

                if (!result.TryAdd(kid, (service, new ECDsaSecurityKey(ecdsa) { KeyId = kid })))
                {
                    ecdsa.Dispose();
                    throw new FormatException($"{path}.kid '{kid}' appears twice.");
                }
            }

            return result;
        }
    }

    private static string Member(JsonElement key, string path, string name) =>
        key.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"{path}.{name} is missing or not a string.");

    private static void Expect(JsonElement key, string path, string name, string expected)
    {
        var actual = Member(key, path, name);
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new FormatException($"{path}.{name} is '{actual}', expected '{expected}'.");
        }
    }
}
