using System.Security.Cryptography;

namespace Fabrix.Contracts.Webhooks;

/// <summary>
/// A Standard Webhooks signing secret (https://www.standardwebhooks.com, issue 11 section 4): <c>whsec_</c> followed by
/// the base64 of 24 to 64 random bytes. Read with or without the prefix and with or without base64 padding, as every
/// reference library accepts it.
/// </summary>
public static class WebhookSecret
{
    /// <summary>The prefix of every secret Fabrix generates.</summary>
    public const string Prefix = "whsec_";

    /// <summary>The fewest key bytes a generated secret has (the specification's lower bound).</summary>
    public const int MinimumBytes = 24;

    /// <summary>The most key bytes a generated secret has (the specification's upper bound).</summary>
    public const int MaximumBytes = 64;

    /// <summary>A new secret of <paramref name="bytes"/> random bytes (default 32).</summary>
    public static string Generate(int bytes = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, MinimumBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, MaximumBytes);
        return Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
    }

    /// <summary>The key bytes of <paramref name="secret"/>, or false when it is not base64 (after the optional prefix) or empty.</summary>
    public static bool TryParse(string? secret, out byte[] key)
    {
        key = [];
        if (string.IsNullOrEmpty(secret))
        {
            return false;
        }

        var text = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret;
        text = text.TrimEnd('=');
        if (text.Length == 0 || text.Length % 4 == 1)
        {
            return false;
        }

        var padded = text + new string('=', (4 - (text.Length % 4)) % 4);
        var buffer = new byte[padded.Length / 4 * 3];
        if (!Convert.TryFromBase64String(padded, buffer, out var written) || written == 0)
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }
}
