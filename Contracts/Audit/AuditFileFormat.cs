using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fabrix.Contracts.Audit;

/// <summary>
/// The audit export formats (issue 3 section 4), one implementation for the registry's <c>ExportAudit</c> and the CLI's
/// <c>fabrix audit query --format jsonl|csv</c> (issue 9 section 7: the export file crosses the boundary, so it is
/// defined once, here). Rows are written one by one into a buffer the caller flushes as it likes.
/// <para>JSON lines: one object per row, <c>{"sequence","at","actor","action","target","outcome","reason",
/// "correlation_id","details","prev_hash","hash"}</c>, with <c>details</c> as a JSON object and <c>at</c> in the chain's
/// time format (<see cref="TimeFormat"/>), so the export carries everything needed to recompute the chain.</para>
/// <para>CSV (RFC 4180): a header row, CRLF line ends, a field quoted when it holds a comma, quote, CR or LF, quotes
/// doubled. Against formula injection (OWASP "CSV Injection") a text cell that starts with <c>=</c>, <c>+</c>,
/// <c>-</c>, <c>@</c>, tab or CR gets a leading single quote, so spreadsheets show it as text instead of running it.
/// The CSV is for people and spreadsheets; verify from the JSON lines, which are never altered.</para>
/// </summary>
public abstract class AuditFileFormat
{
    /// <summary>The audit chain's time format: UTC with microseconds, e.g. <c>2026-01-01T08:00:00.123456Z</c>.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>JSON lines (<c>application/jsonl</c>): lossless, the format to verify from.</summary>
    public static readonly AuditFileFormat JsonLines = new JsonLinesFormat();

    /// <summary>CSV (<c>text/csv</c>) for spreadsheets.</summary>
    public static readonly AuditFileFormat Csv = new CsvFormat();

    private AuditFileFormat()
    {
    }

    /// <summary>Content type of the whole export.</summary>
    public abstract string ContentType { get; }

    /// <summary>Writes what comes once before the first row (the CSV header; nothing for JSON lines).</summary>
    public abstract void WriteHeader(IBufferWriter<byte> output);

    /// <summary>Writes one row with its line end.</summary>
    public abstract void WriteRow(IBufferWriter<byte> output, AuditFileRow row);

    /// <summary><paramref name="at"/> in <see cref="TimeFormat"/>.</summary>
    public static string FormatTime(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>One CSV cell: the formula-injection guard first, then RFC 4180 quoting.</summary>
    public static string CsvCell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    private static void Write(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private sealed class JsonLinesFormat : AuditFileFormat
    {
        // Non-ASCII stays readable: the file is JSON lines for tools, never embedded in HTML.
        private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public override string ContentType => "application/jsonl";

        public override void WriteHeader(IBufferWriter<byte> output)
        {
        }

        public override void WriteRow(IBufferWriter<byte> output, AuditFileRow row)
        {
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(row);
            using (var writer = new Utf8JsonWriter(output, Options))
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", row.Sequence);
                writer.WriteString("at", FormatTime(row.At));
                writer.WriteString("actor", row.Actor);
                writer.WriteString("action", row.Action);
                writer.WriteString("target", row.Target);
                writer.WriteString("outcome", row.Outcome);
                writer.WriteString("reason", row.Reason);
                writer.WriteString("correlation_id", row.CorrelationId);
                writer.WritePropertyName("details");
                writer.WriteRawValue(row.DetailsJson.Length == 0 ? "{}" : row.DetailsJson, skipInputValidation: false);
                writer.WriteString("prev_hash", row.PrevHash);
                writer.WriteString("hash", row.Hash);
                writer.WriteEndObject();
            }

            output.Write("\n"u8);
        }
    }

    private sealed class CsvFormat : AuditFileFormat
    {
        private const string Header = "sequence,at,actor,action,target,outcome,reason,correlation_id,details,prev_hash,hash";

        public override string ContentType => "text/csv";

        public override void WriteHeader(IBufferWriter<byte> output) => Write(output, Header + "\r\n");

        public override void WriteRow(IBufferWriter<byte> output, AuditFileRow row)
        {
            ArgumentNullException.ThrowIfNull(row);
            var line = new StringBuilder(256);
            line.Append(row.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',').Append(FormatTime(row.At));
            foreach (var text in (ReadOnlySpan<string>)[row.Actor, row.Action, row.Target, row.Outcome, row.Reason, row.CorrelationId, row.DetailsJson, row.PrevHash, row.Hash])
            {
                line.Append(',').Append(CsvCell(text));
            }

            line.Append("\r\n");
            Write(output, line.ToString());
        }
    }
}
