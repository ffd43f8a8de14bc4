using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Audit;

namespace Fabrix.Core.Registry.Audit;

/// <summary>The fields of one audit row that its hash covers, as stored (details as PostgreSQL prints the jsonb).</summary>
internal sealed record AuditChainRow(
    long Sequence,
    DateTimeOffset At,
    string Actor,
    string Action,
    string Target,
    string Outcome,
    string Reason,
    string CorrelationId,
    string DetailsJson,
    string PrevHash);

/// <summary>
/// The hash chain of the audit log (issue 3 section 4): each row stores <c>prev_hash</c> (the previous row's hash, 64
/// zeros for the first) and <c>hash</c> = lower-case hex SHA-256 of the UTF-8 bytes of its canonical form (version 1):
/// <code>[&lt;sequence&gt;,"&lt;at&gt;",&lt;actor&gt;,&lt;action&gt;,&lt;target&gt;,&lt;outcome&gt;,&lt;reason&gt;,&lt;correlation_id&gt;,&lt;details&gt;,"&lt;prev_hash&gt;"]</code>
/// a JSON array without whitespace: the sequence in decimal; <c>at</c> in UTC as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>
/// (microseconds, as PostgreSQL stores it); text as JSON strings that escape only <c>"</c>, <c>\</c> and characters below
/// U+0020 (<c>\b \f \n \r \t</c>, others <c>\u00xx</c> lower-case), everything else literal; details as canonical JSON:
/// PostgreSQL's normalised jsonb, no whitespace, object members sorted by key in Unicode code point order (UTF-8 byte
/// order), numbers exactly as PostgreSQL prints them. Migration 0002 defines the same computation in SQL
/// (<c>audit_row_hash</c>), which chained the rows written before it.
/// </summary>
internal static class AuditChain
{
    /// <summary>prev_hash of the first row.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>Advisory lock (transaction level) that serialises appends so the chain never forks.</summary>
    public const string LockKey = "fabrix.registry.audit-chain";

    /// <summary>The chain's time format, the export files' too (<see cref="AuditFileFormat.TimeFormat"/>).</summary>
    public static string FormatTime(DateTimeOffset at) => AuditFileFormat.FormatTime(at);

    /// <summary>Lower-case hex SHA-256 of the row's canonical form.</summary>
    public static string Hash(AuditChainRow row) => Convert.ToHexStringLower(SHA256.HashData(Canonical(row)));

    /// <summary>
    /// <see cref="Hash"/> of a row whose <see cref="AuditChainRow.DetailsJson"/> is already in the canonical form (as
    /// <see cref="CanonicalJson"/> would write it): taken as it is instead of parsed and written again. Only for details
    /// written by a canonical writer (<see cref="Ingest.DecisionRows"/>); anything else must go through <see cref="Hash"/>.
    /// </summary>
    public static string HashCanonicalDetails(AuditChainRow row) => Convert.ToHexStringLower(SHA256.HashData(Canonical(row, detailsCanonical: true)));

    /// <summary>The canonical form as UTF-8 bytes (see the type's remarks).</summary>
    public static byte[] Canonical(AuditChainRow row) => Canonical(row, detailsCanonical: false);

    private static byte[] Canonical(AuditChainRow row, bool detailsCanonical)
    {
        var text = new StringBuilder(256);
        text.Append('[').Append(row.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',');
        AppendString(text, FormatTime(row.At));
        foreach (var field in (ReadOnlySpan<string>)[row.Actor, row.Action, row.Target, row.Outcome, row.Reason, row.CorrelationId])
        {
            text.Append(',');
            AppendString(text, field);
        }

        text.Append(',');
        if (detailsCanonical)
        {
            text.Append(row.DetailsJson);
        }
        else
        {
            using var details = JsonDocument.Parse(row.DetailsJson);
            AppendCanonical(text, details.RootElement);
        }

        text.Append(',');
        AppendString(text, row.PrevHash);
        text.Append(']');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Canonical JSON of a details value (members sorted by key in code point order, no whitespace).</summary>
    public static string CanonicalJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var text = new StringBuilder(json.Length);
        AppendCanonical(text, document.RootElement);
        return text.ToString();
    }

    private static void AppendCanonical(StringBuilder text, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var members = element.EnumerateObject().Select(p => (p.Name, p.Value)).ToList();
                members.Sort((a, b) => CodePointOrder.Compare(a.Name, b.Name));
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(',');
                    }

                    AppendString(text, members[i].Name);
                    text.Append(':');
                    AppendCanonical(text, members[i].Value);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    AppendCanonical(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(text, element.GetString()!);
                break;
            default:
                // Numbers verbatim (PostgreSQL's numeric text), true, false, null.
                text.Append(element.GetRawText());
                break;
        }
    }

    /// <summary>A JSON string escaping exactly what PostgreSQL's escape_json (and RFC 8785) escapes.</summary>
    internal static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        // Most values (ids, names, codes) need no escape at all: copy the run up to the first character that does in
        // one piece, then go character by character from there.
        var plain = value.AsSpan().IndexOfAny(s_needsEscape);
        if (plain < 0)
        {
            text.Append(value).Append('"');
            return;
        }

        text.Append(value.AsSpan(0, plain));
        foreach (var c in value.AsSpan(plain))
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }

    // What AppendString escapes: the quote, the backslash and the control characters below U+0020.
    private static readonly SearchValues<char> s_needsEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>Orders strings as canonical details order object members: by Unicode code point (UTF-8 byte order).</summary>
    internal static int CompareCodePoints(string a, string b) => CodePointOrder.Compare(a, b);

    /// <summary>Orders strings by Unicode code point, which is UTF-8 byte order and PostgreSQL's collation "C".</summary>
    private static class CodePointOrder
    {
        public static int Compare(string a, string b)
        {
            var maxA = Encoding.UTF8.GetMaxByteCount(a.Length);
            var maxB = Encoding.UTF8.GetMaxByteCount(b.Length);
            var rentedA = ArrayPool<byte>.Shared.Rent(maxA);
            var rentedB = ArrayPool<byte>.Shared.Rent(maxB);
            try
            {
                var lengthA = Encoding.UTF8.GetBytes(a, rentedA);
                var lengthB = Encoding.UTF8.GetBytes(b, rentedB);
                return rentedA.AsSpan(0, lengthA).SequenceCompareTo(rentedB.AsSpan(0, lengthB));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rentedA);
                ArrayPool<byte>.Shared.Return(rentedB);
            }
        }
    }
}
