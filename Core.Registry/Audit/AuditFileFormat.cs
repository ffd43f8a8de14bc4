using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// The two export formats (issue 3 section 4), written row by row into a buffer the caller flushes in chunks.
/// <para>JSON lines: one object per row, <c>{"sequence","at","actor","action","target","outcome","reason",
/// "correlation_id","details","prev_hash","hash"}</c>, with <c>details</c> as a JSON object and <c>at</c> in the chain's
/// time format, so the export carries everything needed to recompute the chain outside the registry.</para>
/// <para>CSV (RFC 4180): a header row, CRLF line ends, a field quoted when it holds a comma, quote, CR or LF, quotes
/// doubled. Against formula injection (OWASP "CSV Injection") a text cell that starts with <c>=</c>, <c>+</c>,
/// <c>-</c>, <c>@</c>, tab or CR gets a leading single quote, so spreadsheets show it as text instead of running it.
/// The CSV is for people and spreadsheets; verify from the JSON lines, which are never altered.</para>
/// </summary>
internal abstract class AuditFileFormat
{
    public static readonly AuditFileFormat JsonLines = new JsonLinesFormat();
    public static readonly AuditFileFormat Csv = new CsvFormat();

    /// <summary>Content type of the whole export.</summary>
    public abstract string ContentType { get; }

    /// <summary>Written once before the first row.</summary>
    public abstract void WriteHeader(IBufferWriter<byte> output);

    public abstract void WriteRow(IBufferWriter<byte> output, AuditStoredRow row);

    private sealed class JsonLinesFormat : AuditFileFormat
    {
        // Non-ASCII stays readable: the file is JSON lines for tools, never embedded in HTML.
        private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public override string ContentType => "application/jsonl";

        public override void WriteHeader(IBufferWriter<byte> output)
        {
        }

        public override void WriteRow(IBufferWriter<byte> output, AuditStoredRow row)
        {
            var chain = row.ChainRow;
            using (var writer = new Utf8JsonWriter(output, s_options))
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", chain.Sequence);
                writer.WriteString("at", AuditChain.FormatTime(chain.At));
                writer.WriteString("actor", chain.Actor);
                writer.WriteString("action", chain.Action);
                writer.WriteString("target", chain.Target);
                writer.WriteString("outcome", chain.Outcome);
                writer.WriteString("reason", chain.Reason);
                writer.WriteString("correlation_id", chain.CorrelationId);
                writer.WritePropertyName("details");
                writer.WriteRawValue(chain.DetailsJson, skipInputValidation: false);
                writer.WriteString("prev_hash", chain.PrevHash);
                writer.WriteString("hash", row.Hash);
                writer.WriteEndObject();
            }

            output.Write("\n"u8);
        }
    }

    private sealed class CsvFormat : AuditFileFormat
    {
        public const string Header = "sequence,at,actor,action,target,outcome,reason,correlation_id,details,prev_hash,hash";

        public override string ContentType => "text/csv";

        public override void WriteHeader(IBufferWriter<byte> output) => Write(output, Header + "\r\n");

        public override void WriteRow(IBufferWriter<byte> output, AuditStoredRow row)
        {
            var chain = row.ChainRow;
            var line = new StringBuilder(256);
            line.Append(chain.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',');
            line.Append(AuditChain.FormatTime(chain.At));
            foreach (var text in (ReadOnlySpan<string>)[chain.Actor, chain.Action, chain.Target, chain.Outcome, chain.Reason, chain.CorrelationId, chain.DetailsJson, chain.PrevHash, row.Hash])
            {
                line.Append(',').Append(Cell(text));
            }

            line.Append("\r\n");
            Write(output, line.ToString());
        }

        /// <summary>One CSV cell: formula-injection guard first, then RFC 4180 quoting.</summary>
        public static string Cell(string value)
        {
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
    }

    /// <summary>CSV cell encoding, exposed for table-driven tests.</summary>
    internal static string CsvCell(string value) => CsvFormat.Cell(value);
}
