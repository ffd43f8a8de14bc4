using System.Security.Cryptography;
using System.Text;

namespace Fabrix.Core.Registry.Credentials;

/// <summary>A credential as handed to a plugin once: <c>fxrc_&lt;credential id&gt;_&lt;secret&gt;</c>.</summary>
internal sealed record IssuedCredential(string CredentialId, string Secret, byte[] SecretHash)
{
    /// <summary>The whole string the plugin presents (registry.proto <c>RegistrationCredential.secret</c>).</summary>
    public string Text => RegistrationSecret.Prefix + CredentialId + "_" + Secret;
}

/// <summary>
/// The registration credential's format, generation and hashing (issue 7 section 1). The credential id is public
/// (shown with the plugin's metadata, it names which credential was used); the secret is 32 bytes from
/// <see cref="RandomNumberGenerator"/> (256 bits), base64url. Only <see cref="Hash"/> of the secret is stored: with
/// 256 bits of entropy there is no dictionary to try, so a slow password hash would cost every registration time and
/// buy nothing.
/// </summary>
internal static class RegistrationSecret
{
    public const string Prefix = "fxrc_";

    /// <summary>Longer input is not a credential; it is refused before any work (the id is 16, the secret 43 characters).</summary>
    public const int MaxLength = 128;

    private const int CredentialIdBytes = 8;
    private const int SecretBytes = 32;

    public static IssuedCredential Generate()
    {
        // Lower-case hex for the id: it never contains the '_' that separates it from the secret.
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(CredentialIdBytes));
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(SecretBytes));
        return new IssuedCredential(id, secret, Hash(secret));
    }

    /// <summary>Splits a presented credential into id and secret; null when it is not of the form <c>fxrc_id_secret</c>.</summary>
    public static (string CredentialId, string Secret)? Parse(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > MaxLength || !presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = presented.AsSpan(Prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator <= 0 || separator == rest.Length - 1)
        {
            return null;
        }

        var id = rest[..separator];
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        return (id.ToString(), rest[(separator + 1)..].ToString());
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Constant-time comparison of two hashes (the stored one and the presented secret's).</summary>
    public static bool Matches(byte[] storedHash, string presentedSecret) =>
        CryptographicOperations.FixedTimeEquals(storedHash, Hash(presentedSecret));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
