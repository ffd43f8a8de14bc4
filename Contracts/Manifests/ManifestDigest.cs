using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// Content digest of a manifest: "identical in content" (issue 2 section 4) means equal digests. The digest is the
/// lower-case hex SHA-256 of the UTF-8 canonical form: no insignificant whitespace; object members sorted by name
/// (ordinal, UTF-16 code units, as RFC 8785 does; duplicate names keep their document order); arrays in order;
/// numbers exactly as written (<c>1.0</c> and <c>1</c> differ); strings re-escaped one way — only <c>"</c>,
/// <c>\</c> and control characters are escaped (<c>\b \t \n \f \r</c>, otherwise <c>\u00xx</c>), everything else
/// is written as UTF-8.
/// </summary>
public static class ManifestDigest
{
    /// <summary>Digest of manifest text. Throws <see cref="JsonException"/> when the text is not JSON.</summary>
    public static string Compute(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return Compute(document.RootElement);
    }

    /// <summary>Digest of a parsed manifest.</summary>
    public static string Compute(JsonElement root)
    {
        var canonical = Canonicalize(root);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>The canonical text the digest is computed over.</summary>
    public static string Canonicalize(JsonElement root)
    {
        var builder = new StringBuilder();
        Write(root, builder);
        return builder.ToString();
    }

    private static void Write(JsonElement element, StringBuilder builder)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                var members = element.EnumerateObject()
                    .Select(p => (Name: NameOf(p), p.Value))
                    .OrderBy(p => p.Name, StringComparer.Ordinal);
                var firstMember = true;
                foreach (var (name, value) in members)
                {
                    if (!firstMember)
                    {
                        builder.Append(',');
                    }

                    firstMember = false;
                    WriteString(name, builder);
                    builder.Append(':');
                    Write(value, builder);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        builder.Append(',');
                    }

                    firstItem = false;
                    Write(item, builder);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                if (TryGetString(element, out var text))
                {
                    WriteString(text, builder);
                }
                else
                {
                    // Unpaired surrogates cannot be decoded; keep the escapes exactly as written.
                    builder.Append(element.GetRawText());
                }

                break;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
            case JsonValueKind.Null:
                builder.Append(element.GetRawText());
                break;
            default:
                throw new ArgumentException("The element holds no JSON value.", nameof(element));
        }
    }

    private static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            // Same fallback as for string values: the name's raw text without its quotes.
            var raw = property.ToString();
            return raw;
        }
    }

    private static bool TryGetString(JsonElement element, out string text)
    {
        try
        {
            text = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = string.Empty;
            return false;
        }
    }

    private static void WriteString(string value, StringBuilder builder)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case < ' ':
                    builder.Append("\\u00").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }
}
