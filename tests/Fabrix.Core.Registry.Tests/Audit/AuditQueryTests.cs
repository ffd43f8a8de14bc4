using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Query filters, keyset paging, export formats, and that every read of the audit log is itself audited.</summary>
public sealed class AuditQueryTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    [Fact]
    public async Task Query_PagedByActor_PageTokensWalkEveryRowExactlyOnce()
    {
        var actor = NewUser();
        await host.InstallManyAsync(7, "paged", host.AdminHeaders(actor, AdminRoles.PluginManager));
        var expected = await SequencesAsync($"select id from audit_log where actor = 'user:{actor}' order by id");

        var pages = await WalkAsync(new AuditFilter { Actor = $"user:{actor}" }, pageSize: 3, newestFirst: false);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Records.Count));
        Assert.All(pages, p => Assert.Equal(7L, p.TotalCount));
        Assert.Equal(expected, pages.SelectMany(p => p.Records).Select(r => r.Sequence));
        Assert.Equal(string.Empty, pages[^1].NextPageToken);
    }

    [Fact]
    public async Task Query_NewestFirst_ReturnsTheSameRowsInReverse()
    {
        var actor = NewUser();
        await host.InstallManyAsync(5, "newest", host.AdminHeaders(actor, AdminRoles.PluginManager));
        var expected = await SequencesAsync($"select id from audit_log where actor = 'user:{actor}' order by id desc");

        var pages = await WalkAsync(new AuditFilter { Actor = $"user:{actor}" }, pageSize: 2, newestFirst: true);

        Assert.Equal(expected, pages.SelectMany(p => p.Records).Select(r => r.Sequence));
    }

    [Fact]
    public async Task Query_WhileRowsAreAppended_PagesStayOnTheFirstPagesSnapshot()
    {
        var actor = NewUser();
        var headers = host.AdminHeaders(actor, AdminRoles.PluginManager);
        await host.InstallManyAsync(4, "snapshot", headers);
        var filter = new AuditFilter { Actor = $"user:{actor}" };

        var first = await QueryAsync(filter, 2, newestFirst: false);
        await host.InstallManyAsync(2, "snapshot", headers);
        var second = await QueryAsync(filter, 2, newestFirst: false, first.NextPageToken);

        Assert.Equal(4L, second.TotalCount);
        Assert.Equal(string.Empty, second.NextPageToken);
        Assert.Equal(2, second.Records.Count);
    }

    [Fact]
    public async Task Query_TargetActionAndOutcomeFilters_ReturnOnlyMatchingRows()
    {
        var id = TestManifests.NewId("filtered");
        var invalid = TestManifests.Manifest(id);
        invalid["traits"] = new System.Text.Json.Nodes.JsonArray("root");
        await Assert.ThrowsAsync<RpcException>(() => host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = invalid.ToJsonString() }, host.Manager, cancellationToken: Ct).ResponseAsync);
        await host.InstallAsync(id);

        var all = await QueryAsync(new AuditFilter { Target = id }, 50, newestFirst: false);
        var refused = await QueryAsync(new AuditFilter { Target = id, Action = "plugin.install", Outcome = "refused" }, 50, newestFirst: false);
        var succeeded = await QueryAsync(new AuditFilter { Target = id, Outcome = "succeeded" }, 50, newestFirst: false);

        Assert.Equal(["refused", "succeeded"], all.Records.Select(r => r.Outcome));
        var row = Assert.Single(refused.Records);
        Assert.Equal(("plugin.install", id, "refused", "user:morgan"), (row.Action, row.Target, row.Outcome, row.Actor));
        Assert.Matches("^[0-9a-f]{64}$", row.Hash);
        Assert.Equal("INVALID_ARGUMENT", JsonDocument.Parse(row.DetailsJson).RootElement.GetProperty("code").GetString());
        Assert.Equal([all.Records[1].Sequence], succeeded.Records.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Query_TimeRange_FromInclusiveToExclusive()
    {
        var actor = NewUser();
        await host.InstallManyAsync(3, "timed", host.AdminHeaders(actor, AdminRoles.PluginManager));
        var rows = (await QueryAsync(new AuditFilter { Actor = $"user:{actor}" }, 50, newestFirst: false)).Records;

        var window = await QueryAsync(new AuditFilter { Actor = $"user:{actor}", From = rows[1].At, To = rows[2].At }, 50, newestFirst: false);

        Assert.Equal([rows[1].Sequence], window.Records.Select(r => r.Sequence));
    }

    public static TheoryData<string, int, string, string> InvalidQueries => new()
    {
        { "page_size", 501, "", "" },
        { "page_size", -1, "", "" },
        { "filter.outcome", 10, "maybe", "" },
        { "page_token", 10, "", "not-a-token" },
    };

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public async Task Query_InvalidRequest_InvalidArgumentNamingTheField(string field, int pageSize, string outcome, string pageToken)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => host.AuditClient().QueryAuditAsync(
            new QueryAuditRequest { PageSize = pageSize, PageToken = pageToken, Filter = new AuditFilter { Outcome = outcome } }, host.Viewer(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal([field], error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task Query_PageTokenOfAnotherFilter_Refused()
    {
        var actor = NewUser();
        await host.InstallManyAsync(3, "token", host.AdminHeaders(actor, AdminRoles.PluginManager));
        var first = await QueryAsync(new AuditFilter { Actor = $"user:{actor}" }, 1, newestFirst: false);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.AuditClient().QueryAuditAsync(
            new QueryAuditRequest { PageSize = 1, PageToken = first.NextPageToken, Filter = new AuditFilter { Actor = "user:someone-else" } }, host.Viewer(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("different query", error.Status.Detail + string.Join(' ', error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Description)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_ByViewer_IsItselfAuditedWithTheFilter()
    {
        var viewer = NewUser();

        await host.AuditClient().QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Action = "plugin.install" } },
            host.AdminHeaders(viewer, AdminRoles.AuditViewer), cancellationToken: Ct);

        var row = Assert.Single(await host.AuditRowsAsync("audit_log"), r => r.Actor == $"user:{viewer}");
        Assert.Equal(("audit.query", "succeeded"), (row.Action, row.Outcome));
        Assert.Equal("plugin.install", JsonDocument.Parse(row.Details).RootElement.GetProperty("filter").GetProperty("action").GetString());
    }

    [Fact]
    public async Task Export_JsonLines_EveryLineParsesAndMatchesTheQuery()
    {
        var actor = NewUser();
        await host.InstallManyAsync(4, "jsonl", host.AdminHeaders(actor, AdminRoles.PluginManager));
        var filter = new AuditFilter { Actor = $"user:{actor}" };
        var expected = (await QueryAsync(filter, 50, newestFirst: false)).Records;

        var text = await ExportAsync(filter, AuditExportFormat.JsonLines);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal(expected[i].Sequence, line.GetProperty("sequence").GetInt64());
            Assert.Equal(expected[i].Hash, line.GetProperty("hash").GetString());
            Assert.Equal(expected[i].PrevHash, line.GetProperty("prev_hash").GetString());
            Assert.Equal(JsonValueKind.Object, line.GetProperty("details").ValueKind);
            Assert.Equal(expected[i].At.ToDateTimeOffset(), DateTimeOffset.Parse(line.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }

        var export = Assert.Single(await host.AuditRowsAsync("audit_log"), r => r.Action == "audit.export" && r.Details.Contains(actor, StringComparison.Ordinal));
        Assert.Contains("\"format\": \"jsonl\"", export.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Csv_QuotesPerRfc4180AndGuardsFormulas()
    {
        var id = TestManifests.NewId("csv");
        await host.InstallAsync(id);
        const string reason = "=HYPERLINK(\"http://evil.example\",\"click\"), then\nmore";
        await host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id, Reason = reason }, host.Manager, cancellationToken: Ct);

        var csv = await ExportAsync(new AuditFilter { Target = id }, AuditExportFormat.Csv);

        var lines = csv.Split("\r\n");
        Assert.Equal("sequence,at,actor,action,target,outcome,reason,correlation_id,details,prev_hash,hash", lines[0]);
        Assert.Equal(4, lines.Length); // header, install, uninstall (its reason holds a bare LF inside quotes), trailing empty
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\"), then\nmore\",", lines[2], StringComparison.Ordinal);
        Assert.Contains(",\"{\"\"", lines[1], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[3]);
    }

    private async Task<List<QueryAuditResponse>> WalkAsync(AuditFilter filter, int pageSize, bool newestFirst)
    {
        var pages = new List<QueryAuditResponse>();
        var token = string.Empty;
        do
        {
            var page = await QueryAsync(filter, pageSize, newestFirst, token);
            pages.Add(page);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return pages;
    }

    private async Task<QueryAuditResponse> QueryAsync(AuditFilter filter, int pageSize, bool newestFirst, string pageToken = "") =>
        await host.AuditClient().QueryAuditAsync(
            new QueryAuditRequest { Filter = filter, PageSize = pageSize, NewestFirst = newestFirst, PageToken = pageToken }, host.Viewer(), cancellationToken: Ct);

    private async Task<string> ExportAsync(AuditFilter filter, AuditExportFormat format)
    {
        using var call = host.AuditClient().ExportAudit(new ExportAuditRequest { Filter = filter, Format = format }, host.Viewer(), cancellationToken: Ct);
        var bytes = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(Ct))
        {
            chunk.Data.WriteTo(bytes);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private async Task<List<long>> SequencesAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var ids = new List<long>();
        while (await reader.ReadAsync(Ct))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static string NewUser() => "u" + Guid.NewGuid().ToString("N")[..10];
}
