using Fabrix.Core.Registry.Persistence;
using Fabrix.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Fabrix.Core.Registry.Tests.Persistence;

public sealed class MigrationRunnerTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_Twice_AppliesEachMigrationOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migrate"));
        var runner = new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance);

        var first = await runner.RunAsync(Ct);
        var second = await runner.RunAsync(Ct);

        Assert.Equal(MigrationRunner.Migrations.Count, first);
        Assert.Equal(0, second);
        await using var command = dataSource.CreateCommand("select count(*) from schema_migrations");
        Assert.Equal((long)MigrationRunner.Migrations.Count, await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task RunAsync_ConcurrentInstances_BothSucceedAndSchemaIsAppliedOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("race"));
        var runners = Enumerable.Range(0, 3).Select(_ => new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance));

        var applied = await Task.WhenAll(runners.Select(r => r.RunAsync(Ct)));

        Assert.Equal(MigrationRunner.Migrations.Count, applied.Sum());
    }

    [Fact]
    public async Task RunAsync_AppliedMigrationWasChanged_Refuses()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("tamper"));
        var runner = new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance);
        await runner.RunAsync(Ct);
        await using (var command = dataSource.CreateCommand("update schema_migrations set checksum = 'changed' where version = 1"))
        {
            await command.ExecuteNonQueryAsync(Ct);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync(Ct));

        Assert.Contains("was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrations_Embedded_AreNumberedInOrder()
    {
        Assert.NotEmpty(MigrationRunner.Migrations);
        Assert.Equal(MigrationRunner.Migrations.Select(m => m.Version).Order(), MigrationRunner.Migrations.Select(m => m.Version));
        Assert.Equal(1, MigrationRunner.Migrations[0].Version);
    }
}
