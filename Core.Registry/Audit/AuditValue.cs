using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Bounded, sanitised copies of caller-supplied values for audit rows and log lines (issue 7 section 4: a 1 MB id
/// was written whole into a critical log line; a NUL in a value made PostgreSQL refuse the audit row itself).
/// Control, format (bidirectional, zero-width) and separator characters become visible escapes (<c>\u0000</c>,
/// <c>\u202E</c>), so a row reads as what was sent and never re-orders or hides text in a viewer; values over the bound
/// keep their start and end with a marker that says how much was cut: <c>aaaa…[1048000 characters cut]…aaaa</c>.
/// Applied once, in <see cref="AuditLog.AppendAsync"/>, so the hash chain covers exactly what is stored.
/// </summary>
internal static class AuditValue
{
    /// <summary>Actor, action, target and correlation id.</summary>
    public const int MaxIdentifierLength = 256;

    /// <summary>The reason column.</summary>
    public const int MaxReasonLength = 2048;

    /// <summary>Each string inside <c>details</c> (values and property names).</summary>
    public const int MaxDetailStringLength = 1024;

    /// <summary>Items kept of each array inside <c>details</c>; the rest are counted in one last item.</summary>
    public const int MaxDetailArrayItems = 100;

    /// <summary>The entry with every field bounded and sanitised.</summary>
    public static AuditEntry Sanitise(AuditEntry entry) => entry with
    {
        Actor = Bounded(entry.Actor, MaxIdentifierLength),
        Action = Bounded(entry.Action, MaxIdentifierLength),
        Target = Bounded(entry.Target, MaxIdentifierLength),
        Reason = Bounded(entry.Reason, MaxReasonLength, keepLineBreaks: true),
        CorrelationId = Bounded(entry.CorrelationId, MaxIdentifierLength),
        Details = entry.Details is null ? null : (JsonObject)Bounded(entry.Details, depth: 0)!,
    };

    /// <summary>A caller-supplied value as a log line may carry it: escaped and at most <see cref="MaxIdentifierLength"/> characters.</summary>
    public static string ForLog(string? value) => Bounded(value, MaxIdentifierLength);

    /// <summary>
    /// <paramref name="value"/> with hidden characters escaped, cut in the middle when longer than <paramref name="maxLength"/>.
    /// With <paramref name="keepLineBreaks"/> (the reason column: an administrator may write several lines), tab, LF and
    /// CR stay as they are.
    /// </summary>
    public static string Bounded(string? value, int maxLength, bool keepLineBreaks = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? string.Empty;
        }

        var escaped = NeedsEscaping(value, keepLineBreaks) ? Escape(value, keepLineBreaks) : value;
        if (escaped.Length <= maxLength)
        {
            return escaped;
        }

        // Head and tail of the value around a marker that says how much was cut; the marker needs at most
        // MarkerReserve characters, so the result stays within the bound. Surrogate pairs are never split.
        var keep = Math.Max(0, maxLength - MarkerReserve);
        var head = keep / 2;
        if (head > 0 && char.IsHighSurrogate(escaped[head - 1]))
        {
            head--;
        }

        var tailStart = escaped.Length - (keep - (keep / 2));
        if (tailStart < escaped.Length && char.IsLowSurrogate(escaped[tailStart]))
        {
            tailStart++;
        }

        var removed = (tailStart - head).ToString(CultureInfo.InvariantCulture);
        return string.Concat(escaped.AsSpan(0, head), $"…[{removed} characters cut]…", escaped.AsSpan(tailStart));
    }

    /// <summary>Room the marker needs beyond the characters it replaces, so the result stays within the bound.</summary>
    private const int MarkerReserve = 32;

    private static JsonNode? Bounded(JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    var key = Bounded(name, MaxDetailStringLength);
                    if (!copy.ContainsKey(key))
                    {
                        copy[key] = Bounded(value, depth + 1);
                    }
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array.Take(MaxDetailArrayItems))
                {
                    items.Add(Bounded(item, depth + 1));
                }

                if (array.Count > MaxDetailArrayItems)
                {
                    items.Add((JsonNode)$"…[{(array.Count - MaxDetailArrayItems).ToString(CultureInfo.InvariantCulture)} more items cut]");
                }

                return items;
            case JsonValue value when value.TryGetValue<string>(out var text):
                return JsonValue.Create(Bounded(text, MaxDetailStringLength));
            default:
                return node.DeepClone();
        }
    }

    private static bool NeedsEscaping(string value, bool keepLineBreaks)
    {
        // Printable ASCII (U+0020 to U+007E) holds no control, format, separator or surrogate character: most values
        // (ids, names, codes) are decided by this one vectorised scan.
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return false;
        }

        // A lone surrogate is not text: Escape re-encodes the value rune by rune, which replaces it with U+FFFD.
        if (value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0)
        {
            return true;
        }

        foreach (var rune in value.EnumerateRunes())
        {
            if (IsHidden(rune, keepLineBreaks))
            {
                return true;
            }
        }

        return false;
    }

    private static string Escape(string value, bool keepLineBreaks)
    {
        var builder = new StringBuilder(value.Length + 16);
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsHidden(rune, keepLineBreaks))
            {
                builder.Append(rune.Value <= 0xFFFF ? $"\\u{rune.Value:X4}" : $"\\U{rune.Value:X8}");
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>Characters that would hide, reorder or break text: controls, format characters (bidi, zero-width), line and paragraph separators.</summary>
    private static bool IsHidden(Rune rune, bool keepLineBreaks) =>
        !(keepLineBreaks && rune.Value is '\t' or '\n' or '\r')
        && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
}

/// <summary>
/// A caller-supplied value in a log line: formatted (only when the line is written) as <see cref="AuditValue.ForLog"/>
/// does, so no log line carries unbounded or hidden caller input (issue 7 section 4).
/// </summary>
internal readonly struct LogText(string? value)
{
    public override string ToString() => AuditValue.ForLog(value);
}
