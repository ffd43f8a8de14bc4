using Fabrix.AdminConsole.Audit;
using Fabrix.Contracts.Registry.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Fabrix.AdminConsole.Tests.Audit;

public sealed class AuditQueryTests
{
    [Fact]
    public void ExportUrl_ParsedBack_GivesTheSameFilter()
    {
        var query = new AuditQuery(
            new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 9, 30, 15, TimeSpan.Zero),
            "user:alice & bob", "plugin.disable", "billing", "refused");

        var url = query.ExportUrl(AuditExportFormat.JsonLines);
        var ok = AuditQuery.TryParse(Query(url), out var parsed, out var format, out var errors);

        Assert.True(ok, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        Assert.Equal(AuditExportFormat.JsonLines, format);
        Assert.Equal(query, parsed);
        Assert.Equal(query.ToFilter(), parsed.ToFilter());
    }

    [Fact]
    public void ExportUrl_NoFilters_CarriesOnlyTheFormat()
    {
        Assert.Equal("audit/export?format=csv", AuditQuery.Everything.ExportUrl(AuditExportFormat.Csv));
        Assert.Equal(new AuditFilter(), AuditQuery.Everything.ToFilter());
    }

    [Theory]
    [InlineData("format=csv&from=2026-11-24T09:00:00Z&to=2026-11-24T08:00:00Z", "to")]
    [InlineData("format=csv&to=not-a-time", "to")]
    [InlineData("format=pdf", "format")]
    [InlineData("from=2026-11-24T09:00:00Z", "format")]
    [InlineData("format=jsonl&outcome=denied", "outcome")]
    public void TryParse_BadParameter_IsNamed(string queryString, string parameter)
    {
        var ok = AuditQuery.TryParse(Query($"audit/export?{queryString}"), out _, out _, out var errors);

        Assert.False(ok);
        Assert.Equal([parameter], errors.Keys);
    }

    [Theory]
    [InlineData("2026-11-24T08:00", "2026-11-24T08:00:00+00:00")]
    [InlineData("2026-11-24T08:00:30", "2026-11-24T08:00:30+00:00")]
    [InlineData("", null)]
    public void TryParseLocalInput_DateTimeLocalValue_IsReadAsUtc(string input, string? expected)
    {
        Assert.True(AuditQuery.TryParseLocalInput(input, out var time));
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
    }

    [Fact]
    public void TryParseLocalInput_NotATime_IsRefused() => Assert.False(AuditQuery.TryParseLocalInput("24/11/2026", out _));

    private static QueryCollection Query(string url) => new(QueryHelpers.ParseQuery(new Uri("http://console" + "/" + url).Query));
}
