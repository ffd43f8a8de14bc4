using System.Buffers.Text;
using System.Text;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>
/// Reads the plugin token from <c>Proxy-Authorization</c> (issue 12 section 1): <c>Bearer TOKEN</c>, or <c>Basic</c>
/// with the token as the password (many HTTP clients only do Basic for proxies; the user name is ignored).
/// </summary>
internal static class ProxyCredentials
{
    /// <summary>The token, or null when the header is missing or in neither form.</summary>
    public static string? Token(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var value = header.AsSpan().Trim();
        if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = value[7..].Trim();
            return token.IsEmpty ? null : token.ToString();
        }

        if (!value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = value[6..].Trim();
        if (encoded.IsEmpty || encoded.Length > 16 * 1024)
        {
            return null;
        }

        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (!Convert.TryFromBase64Chars(encoded, bytes, out var written))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 || colon == text.Length - 1 ? null : text[(colon + 1)..];
    }
}
