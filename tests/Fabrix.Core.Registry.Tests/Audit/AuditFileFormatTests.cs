using Fabrix.Core.Registry.Audit;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>CSV cells: RFC 4180 quoting and the formula-injection guard.</summary>
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
}
