using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Projects;
using Fabrix.AppHost.Tests.Support;
using Npgsql;

namespace Fabrix.AppHost.Tests.Projects;

/// <summary>The platform model's environment follows .NET Aspire's conventions and SHARED.md's Fabrix variables.</summary>
public sealed class ProjectEnvironmentTests
{
    [Fact]
    public async Task Registry_GetsDatabaseNatsKestrelEndpointsAndKeyRing()
    {
        await using var run = new TestRun();
        var (builder, postgres) = await PlatformAsync(run);
        var nats = builder.Resources.OfType<NatsResource>().Single();

        var env = Project(builder, "registry").BuildEnvironment(run.Context);

        var connection = new NpgsqlConnectionStringBuilder(env["ConnectionStrings__registry"]);
        Assert.Equal(("127.0.0.1", 5433, "registry", "postgres"), (connection.Host, connection.Port, connection.Database, connection.Username));
        Assert.Equal(File.ReadAllText(postgres.PasswordFile(run.Context)), connection.Password);
        Assert.Equal($"nats://registry:{File.ReadAllText(nats.PasswordFile(run.Context, "registry"))}@127.0.0.1:4222", env["ConnectionStrings__nats"]);
        Assert.Equal("http://127.0.0.1:5100", env["Kestrel__Endpoints__Http__Url"]);
        Assert.Equal("http://127.0.0.1:5101", env["Kestrel__Endpoints__Grpc__Url"]);
        Assert.Equal("Http2", env["Kestrel__Endpoints__Grpc__Protocols"]);
        Assert.False(env.ContainsKey("Kestrel__Endpoints__Http__Protocols"));
        Assert.Equal(Path.Combine(run.DataRoot, "registry", "keyring"), env["Fabrix__Registry__KeyRingPath"]);
        Assert.Equal(Path.Combine(run.DataRoot, "keys", "dev-admin.pem"), env["Fabrix__DevAdmin__KeyFile"]);
        Assert.Equal("Development", env["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("registry", env["OTEL_SERVICE_NAME"]);
        Assert.False(env.ContainsKey("Fabrix__DevSignIn__Enabled"));
        Assert.False(env.ContainsKey("Fabrix__Plugin__Address"));
    }

    [Fact]
    public async Task Console_FindsTheRegistryAndEnablesTheDevelopmentSignIn()
    {
        await using var run = new TestRun();
        var (builder, _) = await PlatformAsync(run);

        var env = Project(builder, "console").BuildEnvironment(run.Context);

        Assert.Equal("http://127.0.0.1:5101", env["services__registry__grpc__0"]);
        Assert.Equal("http://127.0.0.1:5100", env["services__registry__http__0"]);
        Assert.Equal("true", env["Fabrix__DevSignIn__Enabled"]);
        Assert.Equal("http://127.0.0.1:5000", env["Kestrel__Endpoints__Http__Url"]);
        Assert.Equal(Path.Combine(run.DataRoot, "keys", "dev-admin.pem"), env["Fabrix__DevAdmin__KeyFile"]);
        Assert.Equal("Development", env["ASPNETCORE_ENVIRONMENT"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plugin_GetsItsOwnDatabaseTheRegistryAndItsAddress()
    {
        await using var run = new TestRun();
        var (builder, postgres) = await PlatformAsync(run);

        var env = Project(builder, "user-management").BuildEnvironment(run.Context);

        var connection = new NpgsqlConnectionStringBuilder(env["ConnectionStrings__usermanagement"]);
        Assert.Equal(("usermanagement", "usermanagement"), (connection.Database, connection.Username));
        Assert.Equal(File.ReadAllText(postgres.RolePasswordFile(run.Context, "usermanagement")), connection.Password);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("ConnectionStrings__nats", StringComparison.Ordinal));
        Assert.False(env.ContainsKey("ConnectionStrings__registry"));
        Assert.Equal("http://127.0.0.1:5101", env["services__registry__grpc__0"]);
        Assert.Equal("http://127.0.0.1:5200", env["Fabrix__Plugin__Address"]);
        Assert.Equal("http://127.0.0.1:5200", env["Kestrel__Endpoints__Http__Url"]);
        Assert.Equal("user-management", env["OTEL_SERVICE_NAME"]);
        Assert.False(env.ContainsKey("Fabrix__DevSignIn__Enabled"));
    }

    [Fact]
    public async Task Plugin_GetsOnlyThePublicHalfOfTheDevelopmentAdminKey()
    {
        await using var run = new TestRun();
        var (builder, _) = await PlatformAsync(run);

        var env = Project(builder, "user-management").BuildEnvironment(run.Context);

        Assert.False(env.ContainsKey("Fabrix__DevAdmin__KeyFile"));
        Assert.Equal(Path.Combine(run.DataRoot, "keys", "dev-admin.pub.pem"), env["Fabrix__DevAdmin__PublicKeyFile"]);
    }

    [Fact]
    public async Task Plugin_BeforeItsInstallation_HasNoRegistrationCredentialYet()
    {
        await using var run = new TestRun();
        var (builder, _) = await PlatformAsync(run);

        var env = Project(builder, "user-management").BuildEnvironment(run.Context);

        // The credential comes from the install (or a rotation) in StartAsync, never from configuration files.
        Assert.False(env.ContainsKey(ProjectResource.RegistrationCredentialVariable));
    }

    [Fact]
    public async Task PortOffset_ShiftsEveryEndpointAndEveryReference()
    {
        await using var run = new TestRun();
        var (builder, _) = await PlatformAsync(run, portOffset: 100);

        var console = Project(builder, "console").BuildEnvironment(run.Context);
        var registry = Project(builder, "registry").BuildEnvironment(run.Context);

        Assert.Equal("http://127.0.0.1:5100", console["Kestrel__Endpoints__Http__Url"]);
        Assert.Equal("http://127.0.0.1:5201", console["services__registry__grpc__0"]);
        Assert.Equal(4322, new Uri(registry["ConnectionStrings__nats"]).Port);
        Assert.Equal(5533, new NpgsqlConnectionStringBuilder(registry["ConnectionStrings__registry"]).Port);
    }

    [Fact]
    public void PortOverride_SetsThatPortAndLeavesTheOthersShifted()
    {
        var options = new AppHostOptions { PortOffset = 10, PortOverrides = new Dictionary<string, int> { ["console.http"] = 8080 } };
        var builder = new FabrixAppHostBuilder(options, repositoryRoot: null).AddFabrixPlatform();

        Assert.Equal(8080, Project(builder, "console").Endpoints.Single().Port);
        Assert.Equal(5110, Project(builder, "registry").HttpEndpoint!.Port);
    }

    [Theory]
    [InlineData("http", "Http")]
    [InlineData("grpc", "Grpc")]
    [InlineData("admin-api", "AdminApi")]
    public void KestrelEndpointName_IsPascalCase(string endpoint, string expected) =>
        Assert.Equal(expected, ProjectResource.KestrelEndpointName(endpoint));

    [Fact]
    public void WithReference_UndeclaredDatabase_IsRefused()
    {
        var builder = TestRun.Builder();
        var postgres = builder.AddPostgres("postgres", 5433).WithDatabase("registry");

        var error = Assert.Throws<ArgumentException>(() => builder.AddProject("x", "X/X.csproj").WithReference(postgres, "other"));

        Assert.Contains(".WithDatabase(\"other\")", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(FabrixAppHostBuilder Builder, PostgresResource Postgres)> PlatformAsync(TestRun run, int portOffset = 0)
    {
        var builder = TestRun.Builder(portOffset).AddFabrixPlatform();
        var postgres = builder.Resources.OfType<PostgresResource>().Single();
        await postgres.PrepareAsync(run.Context, TestContext.Current.CancellationToken);
        await builder.Resources.OfType<NatsResource>().Single().PrepareAsync(run.Context, TestContext.Current.CancellationToken);
        return (builder, postgres);
    }

    private static ProjectResource Project(FabrixAppHostBuilder builder, string name) =>
        builder.Resources.OfType<ProjectResource>().Single(p => p.Name == name);
}
