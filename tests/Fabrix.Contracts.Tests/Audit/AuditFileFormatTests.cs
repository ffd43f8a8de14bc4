using System.Buffers;
using System.Text;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Contracts.Tests.Audit;

/// <summary>The one audit export format: JSON lines and CSV rows, RFC 4180 quoting and the formula-injection guard.</summary>
public sealed class AuditFileFormatTests
{
    public static TheoryData<string, string> Cells => new()
    {
        { "plain", "plain" },
        { "", "" },
        { "a,b", "\"a,b\"" },
        { "say \"hi\"", "\"say \"\"hi\"\"\"" },
        { "two\nlines", "\"two\nlines\"" },
        { "cr\rhere", "\"cr\rhere\"" },
        { "=1+2", "'=1+2" },
        { "+SUM(A1)", "'+SUM(A1)" },
        { "-2", "'-2" },
        { "@cmd", "'@cmd" },
        { "\tindent", "'\tindent" },
        { "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
        { "a=b", "a=b" },
        { "user:alice", "user:alice" },
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void CsvCell_Value_QuotedAndGuarded(string value, string expected) =>
        Assert.Equal(expected, AuditFileFormat.CsvCell(value));

    private static readonly AuditFileRow Row = new(
        42, new DateTimeOffset(2026, 5, 1, 7, 30, 0, TimeSpan.FromHours(2)).AddTicks(12_345_670), "user:zoë", "plugin.install", "=cmd",
        "succeeded", "installed, as asked", "c-1", """{"version":"1.0.0"}""", new string('a', 64), new string('b', 64));

    [Fact]
    public void JsonLines_Row_OneObjectWithEveryChainFieldInUtcMicroseconds()
    {
        var text = Write(AuditFileFormat.JsonLines, Row);

        Assert.Equal(
            $$"""{"sequence":42,"at":"2026-05-01T05:30:01.234567Z","actor":"user:zoë","action":"plugin.install","target":"=cmd","outcome":"succeeded","reason":"installed, as asked","correlation_id":"c-1","details":{"version":"1.0.0"},"prev_hash":"{{new string('a', 64)}}","hash":"{{new string('b', 64)}}"}""" + "\n",
            text);
    }

    [Fact]
    public void JsonLines_EmptyDetails_WrittenAsEmptyObject()
    {
        var text = Write(AuditFileFormat.JsonLines, Row with { DetailsJson = string.Empty });

        Assert.Contains("\"details\":{},", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_Row_HeaderThenGuardedQuotedCellsWithCrLf()
    {
        var text = Write(AuditFileFormat.Csv, Row);

        Assert.Equal(
            "sequence,at,actor,action,target,outcome,reason,correlation_id,details,prev_hash,hash\r\n"
            + $"42,2026-05-01T05:30:01.234567Z,user:zoë,plugin.install,'=cmd,succeeded,\"installed, as asked\",c-1,\"{{\"\"version\"\":\"\"1.0.0\"\"}}\",{new string('a', 64)},{new string('b', 64)}\r\n",
            text);
    }

    [Fact]
    public void From_QueriedRecord_CarriesEveryField()
    {
        var record = new AuditRecord
        {
            Sequence = 42, At = Timestamp.FromDateTimeOffset(Row.At), Actor = Row.Actor, Action = Row.Action, Target = Row.Target,
            Outcome = Row.Outcome, Reason = Row.Reason, CorrelationId = Row.CorrelationId, DetailsJson = Row.DetailsJson,
            PrevHash = Row.PrevHash, Hash = Row.Hash,
        };

        Assert.Equal(Row, AuditFileRow.From(record));
    }

    private static string Write(AuditFileFormat format, AuditFileRow row)
    {
        var buffer = new ArrayBufferWriter<byte>();
        format.WriteHeader(buffer);
        format.WriteRow(buffer, row);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
