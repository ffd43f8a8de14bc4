using System.Net;
using Fabrix.Core.Lanes.Egress;

namespace Fabrix.Core.Registry.Webhooks;

/// <summary>
/// The registry's check of a webhook URL at Add (issue 11 section 4): an absolute https URL of at most
/// <see cref="MaxLength"/> characters, no user information, no fragment, a host that is a valid name or a public IP
/// literal (the lanes' own <see cref="EgressTarget"/>, <see cref="HostLiteral"/>, <see cref="HostName"/> and
/// <see cref="AddressClassifier"/>, so the registry refuses exactly what the delivery would). Names are not resolved
/// here: what they resolve to is checked every time Core.Events dials (<see cref="EgressConnector"/>). Under the
/// test-only allowance, a literal address inside the range counts as public and may use plain http.
/// </summary>
internal static class WebhookUrl
{
    public const int MaxLength = 2048;

    /// <summary>Why <paramref name="url"/> is not an acceptable webhook URL, as a sentence, or null.</summary>
    public static string? Problem(string url, IPNetwork? testAllowance)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "A URL is required.";
        }

        if (url.Length > MaxLength)
        {
            return $"Must be at most {MaxLength} characters long; has {url.Length}.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !url.Contains("://", StringComparison.Ordinal))
        {
            return "Must be an absolute URL (https://host/path).";
        }

        if (!EgressTarget.TryParse(url, 443, out var target, out var reason))
        {
            return reason == EgressReasons.CredentialsInUrl
                ? "Must not carry credentials (user:password@): the receiver verifies the signature instead."
                : "Must be an absolute http(s) URL with a valid host and port.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "Must not have a fragment (#...).";
        }

        var allowed = false;
        switch (HostLiteral.Read(target.Host, out var address))
        {
            case HostLiteral.Kind.Malformed:
                return $"The host '{target.Host}' is not a valid IP address.";
            case HostLiteral.Kind.Address:
                allowed = testAllowance is { } range && range.Contains(address!.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
                var addressClass = AddressClassifier.Classify(address!);
                if (!allowed && addressClass != AddressClass.Public)
                {
                    return $"The address {address} is not public ({EgressReasons.For(addressClass)}): webhooks reach public addresses only.";
                }

                break;
            default:
                if (HostName.Normalize(target.Host) is null)
                {
                    return $"The host '{target.Host}' is not a valid host name.";
                }

                break;
        }

        if (!string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal) && !(allowed && uri.Scheme == Uri.UriSchemeHttp))
        {
            return "Must use https.";
        }

        return null;
    }
}
