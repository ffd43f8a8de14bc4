using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Audit;

/// <summary>
/// The registry's export formats (Core.Registry README, "Audit"), byte for byte, for rows fetched with QueryAudit:
/// JSON lines with every field of the hash chain, and CSV (RFC 4180, CRLF, formula cells starting with = + - @ tab CR
/// prefixed with a single quote so spreadsheets show them as text).
/// </summary>
internal abstract class AuditRecordFormat
{
    public static readonly AuditRecordFormat JsonLines = new JsonLinesFormat();
    public static readonly AuditRecordFormat Csv = new CsvFormat();

    public abstract string Header { get; }

    public abstract void Append(StringBuilder text, AuditRecord record);

    private static string Time(AuditRecord record) =>
        record.At.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class JsonLinesFormat : AuditRecordFormat
    {
        // Non-ASCII stays readable: JSON lines for tools, never embedded in HTML.
        private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public override string Header => string.Empty;

        public override void Append(StringBuilder text, AuditRecord record)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var writer = new Utf8JsonWriter(buffer, s_options))
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", record.Sequence);
                writer.WriteString("at", Time(record));
                writer.WriteString("actor", record.Actor);
                writer.WriteString("action", record.Action);
                writer.WriteString("target", record.Target);
                writer.WriteString("outcome", record.Outcome);
                writer.WriteString("reason", record.Reason);
                writer.WriteString("correlation_id", record.CorrelationId);
                writer.WritePropertyName("details");
                writer.WriteRawValue(record.DetailsJson.Length == 0 ? "{}" : record.DetailsJson);
                writer.WriteString("prev_hash", record.PrevHash);
                writer.WriteString("hash", record.Hash);
                writer.WriteEndObject();
            }

            text.Append(Encoding.UTF8.GetString(buffer.WrittenSpan)).Append('\n');
        }
    }

    private sealed class CsvFormat : AuditRecordFormat
    {
        public override string Header => "sequence,at,actor,action,target,outcome,reason,correlation_id,details,prev_hash,hash\r\n";

        public override void Append(StringBuilder text, AuditRecord record)
        {
            text.Append(record.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Time(record));
            foreach (var value in (ReadOnlySpan<string>)[record.Actor, record.Action, record.Target, record.Outcome, record.Reason, record.CorrelationId, record.DetailsJson, record.PrevHash, record.Hash])
            {
                text.Append(',').Append(Cell(value));
            }

            text.Append("\r\n");
        }
    }

    /// <summary>Formula-injection guard, then RFC 4180 quoting.</summary>
    internal static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }
}
