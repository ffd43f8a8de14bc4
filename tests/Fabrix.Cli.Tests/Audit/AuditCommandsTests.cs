using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;

namespace Fabrix.Cli.Tests.Audit;

/// <summary><c>fabrix audit verify</c> and <c>fabrix audit query</c> against the real registry on real PostgreSQL and NATS.</summary>
public sealed class AuditCommandsTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Verify_UntouchedLog_ExitsZeroAndReportsIntactWithValidCheckpoint()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("intact", 3);
        // Rows after the latest checkpoint for over twice the interval (1 s here) are a stale head, exit 1: under load the
        // checkpointer can be that late (failed once in CI at load average 15), so the untouched log is one whose head a
        // checkpoint covers.
        await registry.WaitForCheckpointOfHeadAsync();

        var result = await Cli(registry).RunAsync("audit", "verify", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Audit log intact", result.Output, StringComparison.Ordinal);
        Assert.Contains(": valid.", result.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public async Task Verify_RowEditedInDatabase_ExitsOneNamingTheFirstBrokenRowAndProblem()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("edited", 4);
        var row = await registry.ScalarAsync("select max(id) - 2 from audit_log");
        await registry.TamperAsync($"update audit_log set actor = 'user:nobody' where id = {row}");

        var result = await Cli(registry).RunAsync("audit", "verify", "--role", AdminRoles.AuditViewer);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Audit log BROKEN at row {row}: row {row}: hash does not match its contents (edited?)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnchorsExport_ToFileThenVerifyWithIt_OneCheckpointPerLineAndIntact()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("anchored", 2);
        await registry.WaitForCheckpointOfHeadAsync();

        var export = await Cli(registry).RunAsync("audit", "anchors", "export", "--output", "anchors.jsonl", "--role", AdminRoles.AuditViewer);
        var lines = await File.ReadAllLinesAsync(Path.Combine(_directory.Path, "anchors.jsonl"), TestContext.Current.CancellationToken);
        var verify = await Cli(registry).RunAsync("audit", "verify", "--anchors", "anchors.jsonl", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, export.ExitCode);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.True(JsonDocument.Parse(line).RootElement.GetProperty("number").GetString() is { Length: > 0 }));
        Assert.Contains($"Wrote {lines.Length} checkpoint", export.Output, StringComparison.Ordinal);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains($"Anchors file: {lines.Length} anchor", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AnchorsFileAfterRehashAndCheckpointDeletion_ExitsOneNamingTheMissingCheckpoint()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("rewritten", 4);
        await registry.WaitForCheckpointOfHeadAsync();
        await Cli(registry).RunAsync("audit", "anchors", "export", "--output", "anchors.jsonl", "--role", AdminRoles.AuditViewer);
        var from = await registry.ScalarAsync("select max(id) - 2 from audit_log");
        var deleted = await registry.ScalarAsync($"select min(number) from audit_checkpoints where sequence >= {from}");
        await registry.TamperAsync(Fabrix.Testing.AuditTampering.RehashSql(from) + $"; delete from audit_checkpoints where sequence >= {from}");

        var result = await Cli(registry).RunAsync("audit", "verify", "--anchors", "anchors.jsonl", "--role", AdminRoles.AuditViewer);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Audit log BROKEN", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Anchor {deleted} missing (anchors_file): checkpoint {deleted}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AnchorsFileNotAnExport_UsageErrorExitsTwo()
    {
        var registry = await registries.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "anchors.jsonl"), "not json\n", TestContext.Current.CancellationToken);

        var result = await Cli(registry).RunAsync("audit", "verify", "--anchors", "anchors.jsonl", "--role", AdminRoles.AuditViewer);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("anchors.jsonl line 1 is not a checkpoint", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AsPluginManagerOnly_RefusedExitOne()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("audit", "verify", "--role", AdminRoles.PluginManager);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Error, StringComparison.Ordinal);
        Assert.Contains("admin, audit_viewer", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_TableFilteredByAction_ShowsMatchingRowsNewestFirstWithCount()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("listed", 3);

        var result = await Cli(registry).RunAsync("audit", "query", "--action", "plugin.install", "--outcome", "succeeded", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("OUTCOME", result.Output, StringComparison.Ordinal);
        Assert.True(result.Output.IndexOf("listed-2", StringComparison.Ordinal) < result.Output.IndexOf("listed-0", StringComparison.Ordinal), result.Output);
        Assert.Contains("3 of 3 matching rows, newest first.", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("signing_key.rotate", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_ByLaneAndPlugin_ShowsOnlyThatPluginsDecisionsOnThatLane()
    {
        var registry = await registries.StartAsync();
        await registry.PublishDecisionsAsync(
            Decision("billing", Lane.Operator, "orders/refunds"),
            Decision("billing", Lane.Operator, "orders/invoices"),
            Decision("billing", Lane.Proxy, "api.example.com:443"),
            Decision("shipping", Lane.Operator, "orders/labels"));

        var result = await Cli(registry).RunAsync("audit", "query", "--lane", "operator", "--plugin", "billing", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("orders/refunds", result.Output, StringComparison.Ordinal);
        Assert.Contains("orders/invoices", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("api.example.com", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("orders/labels", result.Output, StringComparison.Ordinal);
        Assert.Contains("2 of 2 matching rows, newest first.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_UnknownLane_UsageErrorExitsTwoNamingTheValue()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("audit", "query", "--lane", "sideways", "--role", AdminRoles.AuditViewer);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sideways", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_OnePageOfMore_SaysHowToGetTheRest()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("paged", 3);

        var result = await Cli(registry).RunAsync("audit", "query", "--action", "plugin.install", "--page-size", "2", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("2 of 3 matching rows, newest first. Use --all", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_AllAsCsvToFile_IsByteForByteTheRegistrysExport()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("exported", 5);
        await registry.UninstallAsync("exported-0", "=HYPERLINK(\"http://evil.example\"), said \"someone\"");

        var result = await Cli(registry).RunAsync("audit", "query", "--all", "--page-size", "4", "--format", "csv", "--output", "audit.csv",
            "--actor", "user:tester", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Wrote 6 of 6 matching rows to audit.csv.", result.Output, StringComparison.Ordinal);
        var written = await File.ReadAllTextAsync(Path.Combine(_directory.Path, "audit.csv"), TestContext.Current.CancellationToken);
        Assert.Equal(await ExportAsync(registry, new AuditFilter { Actor = "user:tester" }, AuditExportFormat.Csv), written);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.example\"\"), said \"\"someone\"\"\",", written, StringComparison.Ordinal);
        Assert.Equal(8, written.Split("\r\n").Length);
    }

    [Fact]
    public async Task Query_AllAsJsonLines_OneParsableLinePerRowOnStandardOutput()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("jsonl", 3);

        var result = await Cli(registry).RunAsync("audit", "query", "--all", "--format", "jsonl", "--target", "jsonl-1", "--role", AdminRoles.Admin);

        Assert.Equal(0, result.ExitCode);
        var line = JsonDocument.Parse(Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("jsonl-1", line.GetProperty("target").GetString());
        Assert.Equal("plugin.install", line.GetProperty("action").GetString());
        Assert.Matches("^[0-9a-f]{64}$", line.GetProperty("hash").GetString());
        Assert.Equal(await ExportAsync(registry, new AuditFilter { Target = "jsonl-1" }, AuditExportFormat.JsonLines), result.Output);
    }

    [Theory]
    [InlineData("--from", "yesterday-ish")]
    [InlineData("--page-size", "501")]
    public async Task Query_BadOption_UsageErrorExitsTwo(string option, string value)
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("audit", "query", option, value, "--role", AdminRoles.AuditViewer);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }

    private static DecisionRecord Decision(string pluginId, Lane lane, string target) => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        PluginId = pluginId,
        Lane = lane,
        Target = target,
        Action = "forward",
        Outcome = DecisionOutcome.Allowed,
        CorrelationId = Guid.NewGuid().ToString("N"),
        Service = "cli-test",
    };

    private CliRun Cli(RunningRegistry registry) =>
        new CliRun(_directory.Path) { OpenChannel = registry.OpenChannel }
            .With("FABRIX_REGISTRY", "http://registry.test")
            .With("Fabrix__DevAdmin__KeyFile", registries.DevKeyPath);

    private static async Task<string> ExportAsync(RunningRegistry registry, AuditFilter filter, AuditExportFormat format)
    {
        using var call = registry.AuditClient.ExportAudit(new ExportAuditRequest { Filter = filter, Format = format }, registry.Headers(AdminRoles.AuditViewer, "auditor"),
            cancellationToken: TestContext.Current.CancellationToken);
        using var bytes = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            chunk.Data.WriteTo(bytes);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
