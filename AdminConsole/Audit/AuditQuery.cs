using System.Globalization;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Fabrix.AdminConsole.Audit;

/// <summary>
/// The audit page's filters (issue 3 §4: time range, actor, action, target, outcome) as the registry's
/// <see cref="AuditFilter"/>, and as the query string of the export endpoint, which must ask the registry for exactly
/// the rows the page shows. Times are UTC; <see cref="From"/> is inclusive, <see cref="To"/> exclusive (audit.proto).
/// </summary>
internal sealed record AuditQuery(DateTimeOffset? From, DateTimeOffset? To, string Actor, string Action, string Target, string Outcome)
{
    /// <summary>The outcomes the registry records (audit.proto <c>AuditRecord.outcome</c>).</summary>
    public static IReadOnlyList<string> Outcomes { get; } = ["succeeded", "refused", "failed"];

    public static AuditQuery Everything { get; } = new(null, null, string.Empty, string.Empty, string.Empty, string.Empty);

    public AuditFilter ToFilter() => new()
    {
        From = From is { } from ? Timestamp.FromDateTimeOffset(from) : null,
        To = To is { } to ? Timestamp.FromDateTimeOffset(to) : null,
        Actor = Actor,
        Action = Action,
        Target = Target,
        Outcome = Outcome,
    };

    /// <summary>The export endpoint's URL (relative to the base) for these filters.</summary>
    public string ExportUrl(AuditExportFormat format)
    {
        var parameters = new List<KeyValuePair<string, string?>> { new("format", FormatName(format)) };
        if (From is { } from)
        {
            parameters.Add(new("from", from.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)));
        }

        if (To is { } to)
        {
            parameters.Add(new("to", to.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)));
        }

        AddIfSet(parameters, "actor", Actor);
        AddIfSet(parameters, "action", Action);
        AddIfSet(parameters, "target", Target);
        AddIfSet(parameters, "outcome", Outcome);
        return QueryHelpers.AddQueryString(AuditExportEndpoint.Path.TrimStart('/'), parameters);
    }

    public static string FormatName(AuditExportFormat format) => format switch
    {
        AuditExportFormat.Csv => "csv",
        AuditExportFormat.JsonLines => "jsonl",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Reads the export endpoint's query string; every problem is reported at once, keyed by parameter.</summary>
    public static bool TryParse(
        IQueryCollection query, out AuditQuery parsed, out AuditExportFormat format, out Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(query);
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        format = query["format"].ToString() switch
        {
            "csv" => AuditExportFormat.Csv,
            "jsonl" => AuditExportFormat.JsonLines,
            _ => AuditExportFormat.Unspecified,
        };
        if (format == AuditExportFormat.Unspecified)
        {
            errors["format"] = ["Use format=csv or format=jsonl."];
        }

        var from = ParseTime(query["from"], "from", errors);
        var to = ParseTime(query["to"], "to", errors);
        if (from is not null && to is not null && from >= to)
        {
            errors["to"] = ["'to' must be later than 'from'."];
        }

        var outcome = query["outcome"].ToString();
        if (outcome.Length > 0 && !Outcomes.Contains(outcome, StringComparer.Ordinal))
        {
            errors["outcome"] = [$"Use one of {string.Join(", ", Outcomes)}, or leave it out for any."];
        }

        parsed = new AuditQuery(
            from, to, query["actor"].ToString().Trim(), query["action"].ToString().Trim(), query["target"].ToString().Trim(), outcome);
        return errors.Count == 0;
    }

    /// <summary>A <c>datetime-local</c> input's value ("2026-11-24T08:00"), read as UTC; empty is no bound.</summary>
    public static bool TryParseLocalInput(string? value, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (DateTime.TryParseExact(
            value.Trim(), ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = new DateTimeOffset(parsed, TimeSpan.Zero);
            return true;
        }

        return false;
    }

    private static DateTimeOffset? ParseTime(StringValues value, string name, Dictionary<string, string[]> errors)
    {
        var text = value.ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(
            text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors[name] = [$"'{text}' is not an ISO 8601 date and time, e.g. 2026-11-24T08:00:00Z."];
        return null;
    }

    private static void AddIfSet(List<KeyValuePair<string, string?>> parameters, string name, string value)
    {
        if (value.Length > 0)
        {
            parameters.Add(new(name, value));
        }
    }
}
