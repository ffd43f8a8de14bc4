using Aspire.Hosting.Eventing;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.AppHost.Tests.Postgres;

/// <summary>What <c>AddFabrixPostgres</c> and <c>AddDatabase</c> accept when the model is declared (nothing runs).</summary>
public sealed class PostgresDeclarationTests
{
    [Theory]
    [InlineData("Registry")]
    [InlineData("user-management")]
    [InlineData("1st")]
    [InlineData("db;drop")]
    public void AddDatabase_NameThatIsNotAPlainIdentifier_IsRefused(string databaseName)
    {
        using var data = new TempFolder();
        var postgres = Builder().AddFabrixPostgres("postgres", data.Path, 5433);

        var error = Assert.Throws<ArgumentException>(() => postgres.AddDatabase("db", databaseName));

        Assert.Equal("databaseName", error.ParamName);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("Owner")]
    [InlineData("o'wner")]
    public void AddDatabase_OwnerThatIsTheSuperuserOrNotAPlainIdentifier_IsRefused(string owner)
    {
        using var data = new TempFolder();
        var postgres = Builder().AddFabrixPostgres("postgres", data.Path, 5433);

        var error = Assert.Throws<ArgumentException>(() => postgres.AddDatabase("db", "plugin", owner));

        Assert.Equal("owner", error.ParamName);
    }

    [Fact]
    public void AddDatabase_SameDatabaseTwice_IsRefused()
    {
        using var data = new TempFolder();
        var postgres = Builder().AddFabrixPostgres("postgres", data.Path, 5433);
        postgres.AddDatabase("first", "shared");

        var error = Assert.Throws<ArgumentException>(() => postgres.AddDatabase("second", "shared"));

        Assert.StartsWith("Database 'shared' is declared twice on postgres.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDatabase_WithOwner_KeepsTheRolesPasswordInItsOwnPrivateFile()
    {
        using var data = new TempFolder();
        var postgres = Builder().AddFabrixPostgres("postgres", data.Path, 5433);

        postgres.AddDatabase("plugin-db", "plugin", owner: "plugin");

        var file = data.Combine("postgres/roles/plugin.password");
        Assert.Matches("^[0-9a-f]{32}$", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void AddFabrixPostgres_ClusterWithoutItsPasswordFile_FailsWithTheFix()
    {
        using var data = new TempFolder();
        Directory.CreateDirectory(data.Combine("postgres/data"));
        File.WriteAllText(data.Combine("postgres/data/PG_VERSION"), "15\n");

        var error = Assert.Throws<AppHostException>(() => Builder().AddFabrixPostgres("postgres", data.Path, 5433));

        Assert.Equal(
            $"the PostgreSQL cluster in {data.Combine("postgres/data")} has no password file {data.Combine("postgres/.password")}; restore it, or delete {data.Combine("postgres")} to create a new, empty cluster",
            error.Message);
    }

    [Fact]
    public void AddFabrixPostgres_SecondDeclarationOnTheSameFolder_KeepsThePassword()
    {
        using var data = new TempFolder();
        var first = Builder().AddFabrixPostgres("postgres", data.Path, 5433).Resource;

        var second = Builder().AddFabrixPostgres("postgres", data.Path, 5433).Resource;

        Assert.Equal(File.ReadAllText(first.PasswordFile), File.ReadAllText(second.PasswordFile));
        Assert.Equal(data.Combine("postgres/data"), second.DataDirectory);
    }

    [Fact]
    public async Task DatabaseState_ServerReady_RunningSinceTheAppHostsClock()
    {
        using var data = new TempFolder();
        var builder = Builder();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero));
        builder.Services.AddSingleton<TimeProvider>(time);
        var postgres = builder.AddFabrixPostgres("postgres", data.Path, 5433);
        postgres.AddDatabase("registry-db", "registry");
        using var app = builder.Build();
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();

        await app.Services.GetRequiredService<IDistributedApplicationEventing>()
            .PublishAsync(new ResourceReadyEvent(postgres.Resource, app.Services), TestContext.Current.CancellationToken);

        Assert.True(notifications.TryGetCurrentState("registry-db", out var state));
        Assert.Equal((KnownResourceStates.Running, time.GetUtcNow().UtcDateTime), (state.Snapshot.State?.Text, state.Snapshot.StartTimeStamp));
    }

    private static IDistributedApplicationBuilder Builder() =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });
}
