using System.Text.Json.Nodes;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>The fold window on a fake clock: repeats are written as one counted row when their window closes.</summary>
public sealed class AuditRefusalFoldingTests(PostgresServer postgres)
{
    [Fact]
    public async Task Fold_WindowCloses_RepeatsWrittenAsOneCountedRowAndTheNextRefusalOpensANewWindow()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("folding"));
        await new MigrationRunner(dataSource, time, NullLogger<MigrationRunner>.Instance).RunAsync(Ct);
        var database = new RegistryDatabase(dataSource, time, NullLogger<RegistryDatabase>.Instance);
        using var folding = new AuditRefusalFolding(database, time, Options.Create(new AuditOptions { RefusalFoldWindow = TimeSpan.FromMinutes(1) }),
            NullLogger<AuditRefusalFolding>.Instance);
        var source = new AuditRefusalFolding.RefusalSource("anonymous", "plugin.register", "ghost", "NOT_INSTALLED", "203.0.113.7");
        JsonObject Details() => new() { ["code"] = "NOT_INSTALLED", ["client_address"] = "203.0.113.7" };

        var first = folding.TryFold(source, "not installed", "c0", Details());
        var repeats = Enumerable.Range(1, 5).Select(i =>
        {
            time.Advance(TimeSpan.FromSeconds(5));
            return folding.TryFold(source, "not installed", $"c{i}", Details());
        }).ToList();
        var writtenInsideTheWindow = await folding.FlushAsync(all: false, Ct);
        time.Advance(TimeSpan.FromMinutes(1));
        var writtenAfterTheWindow = await folding.FlushAsync(all: false, Ct);
        var afterWindow = folding.TryFold(source, "not installed", "c6", Details());

        await using var command = dataSource.CreateCommand("select details->>'count', details->>'first_at', details->>'last_at', correlation_id from audit_log");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.False(first);
        Assert.All(repeats, Assert.True);
        Assert.Equal((0, 1), (writtenInsideTheWindow, writtenAfterTheWindow));
        Assert.False(afterWindow);
        Assert.Equal(("5", "2026-03-01T09:00:05.000000Z", "2026-03-01T09:00:25.000000Z", "c5"),
            (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        Assert.False(await reader.ReadAsync(Ct));
    }
}
