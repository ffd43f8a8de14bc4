using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Fabrix.Contracts.Webhooks;

/// <summary>The outcome of verifying a Standard Webhooks delivery.</summary>
public enum WebhookVerification
{
    /// <summary>A <c>v1</c> signature matches and the timestamp is within tolerance.</summary>
    Valid,

    /// <summary>The id, timestamp, signature header or secret cannot be read.</summary>
    Malformed,

    /// <summary>The timestamp is more than the tolerance in the past.</summary>
    TimestampTooOld,

    /// <summary>The timestamp is more than the tolerance in the future.</summary>
    TimestampTooNew,

    /// <summary>No <c>v1</c> signature matches.</summary>
    InvalidSignature,
}

/// <summary>
/// Signs and verifies webhook deliveries per the Standard Webhooks specification (issue 11 section 4): headers
/// <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c>, a space-separated list of
/// <c>version,signature</c> entries. A <c>v1</c> signature is the base64 HMAC-SHA256, keyed with the secret's bytes, of
/// <c>{id}.{timestamp}.{body}</c>. Used by Core.Events to send, by the SDK to check pushes, and by
/// <c>fabrix webhooks sign|verify</c>.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header carrying the message id.</summary>
    public const string IdHeader = "webhook-id";

    /// <summary>The header carrying the Unix timestamp in seconds.</summary>
    public const string TimestampHeader = "webhook-timestamp";

    /// <summary>The header carrying the signatures.</summary>
    public const string SignatureHeader = "webhook-signature";

    /// <summary>How far a timestamp may be from now either way: 5 minutes, as every reference library uses.</summary>
    public static TimeSpan Tolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The <c>v1,…</c> signature of a delivery.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Span<char> signature = stackalloc char[SignatureLength];
        WriteSignature(key, id, timestamp, body, signature);
        return new string(signature);
    }

    // "v1," and the base64 of a 32-byte HMAC-SHA256 (44 characters).
    private const int SignatureLength = 3 + 44;

    private static void WriteSignature(ReadOnlySpan<byte> key, string id, long timestamp, ReadOnlySpan<byte> body, Span<char> destination)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(key, id, timestamp.ToString(CultureInfo.InvariantCulture), body, mac);
        "v1,".CopyTo(destination);
        Convert.TryToBase64Chars(mac, destination[3..], out _);
    }

    /// <summary>
    /// The <c>webhook-signature</c> value for a delivery signed with every key in <paramref name="keys"/> (during a
    /// secret rotation's overlap window the receiver may hold either secret), separated by spaces.
    /// </summary>
    public static string SignAll(IEnumerable<byte[]> keys, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys is IReadOnlyList<byte[]> list && list.Count <= 4)
        {
            // The usual case (one secret, two during a rotation's overlap): one string, no builder.
            if (list.Count > 0)
            {
                ArgumentException.ThrowIfNullOrEmpty(id);
            }

            Span<char> signatures = stackalloc char[(4 * SignatureLength) + 3];
            var length = 0;
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0)
                {
                    signatures[length++] = ' ';
                }

                WriteSignature(list[i], id, timestamp, body, signatures[length..]);
                length += SignatureLength;
            }

            return new string(signatures[..length]);
        }

        var builder = new StringBuilder();
        foreach (var key in keys)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(Sign(key, id, timestamp, body));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Verifies a delivery: <see cref="WebhookVerification.Malformed"/> first, then the timestamp against
    /// <paramref name="now"/> ± <see cref="Tolerance"/>, then the signatures. Any one matching <c>v1</c> entry passes;
    /// entries of other versions are ignored; each comparison takes constant time.
    /// </summary>
    public static WebhookVerification Verify(ReadOnlySpan<byte> key, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrWhiteSpace(signatures) || key.IsEmpty
            || string.IsNullOrEmpty(timestamp) || timestamp.AsSpan().ContainsAnyExceptInRange('0', '9') || timestamp.Length > 18
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookVerification.Malformed;
        }

        var entries = signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!Array.TrueForAll(entries, entry => entry.IndexOf(',', StringComparison.Ordinal) > 0))
        {
            return WebhookVerification.Malformed;
        }

        // Up to 18 digits are read, but a DateTimeOffset ends in 9999: a later timestamp is too new, not an exception.
        if (seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return WebhookVerification.TimestampTooNew;
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (sent < now - Tolerance)
        {
            return WebhookVerification.TimestampTooOld;
        }

        if (sent > now + Tolerance)
        {
            return WebhookVerification.TimestampTooNew;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(key, id, timestamp, body, expected);
        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        var valid = false;
        foreach (var entry in entries)
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (!entry.AsSpan(0, comma).SequenceEqual("v1"))
            {
                continue;
            }

            // Every v1 entry is compared (no early exit), in constant time.
            var decoded = Convert.TryFromBase64String(entry[(comma + 1)..], presented, out var written) && written == expected.Length;
            valid |= decoded && CryptographicOperations.FixedTimeEquals(presented[..written], expected);
        }

        return valid ? WebhookVerification.Valid : WebhookVerification.InvalidSignature;
    }

    /// <summary>The text <c>fabrix webhooks verify</c> prints for an outcome.</summary>
    public static string Describe(WebhookVerification outcome) => outcome switch
    {
        WebhookVerification.Valid => "valid",
        WebhookVerification.TimestampTooOld => "timestamp too old",
        WebhookVerification.TimestampTooNew => "timestamp too new",
        WebhookVerification.InvalidSignature => "invalid signature",
        _ => "malformed",
    };

    private static void Compute(ReadOnlySpan<byte> key, string id, string timestamp, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        var prefixLength = Encoding.UTF8.GetByteCount(id) + timestamp.Length + 2;
        var rented = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        try
        {
            var written = Encoding.UTF8.GetBytes(id, rented);
            rented[written++] = (byte)'.';
            written += Encoding.ASCII.GetBytes(timestamp, rented.AsSpan(written));
            rented[written++] = (byte)'.';
            body.CopyTo(rented.AsSpan(written));
            HMACSHA256.HashData(key, rented.AsSpan(0, written + body.Length), mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
