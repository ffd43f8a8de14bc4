using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Model;

/// <summary>
/// Issue 8 section 3: the resource graph of <c>Platform.AddFabrixPlatform</c> (resources, waits, references), read from
/// the Aspire application model as the AppHost declares it.
/// </summary>
public sealed class ResourceGraphTests
{
    [Fact]
    public void Platform_Resources_AreTheServersTheirDatabasesTheServicesAndTheGateway()
    {
        using var platform = new PlatformModel();

        var processes = platform.Builder.Resources.Where(AppHost.Platform.IsFabrixProcess).Select(r => (r.Name, r.GetType())).ToList();

        Assert.Equal(
            [
                ("postgres", typeof(FabrixPostgresResource)),
                ("nats", typeof(FabrixNatsResource)),
                ("registry", typeof(ProjectResource)),
                ("gateway", typeof(ProjectResource)),
                ("events", typeof(ProjectResource)),
                ("console", typeof(ProjectResource)),
                ("user-management", typeof(ProjectResource)),
                ("accounting", typeof(ProjectResource)),
                ("receiver", typeof(ProjectResource)),
                ("proxy", typeof(ProjectResource)),
                ("notifications", typeof(ProjectResource)),
                ("hr", typeof(ProjectResource)),
            ],
            processes);
    }

    [Fact]
    public void Platform_Databases_BelongToPostgresAndOnlyThePluginsHasAnOwnerRole()
    {
        using var platform = new PlatformModel();
        var postgres = platform.Resource<FabrixPostgresResource>("postgres");

        var registry = platform.Resource<FabrixPostgresDatabaseResource>("registry-db");
        var userManagement = platform.Resource<FabrixPostgresDatabaseResource>("usermanagement-db");
        var accounting = platform.Resource<FabrixPostgresDatabaseResource>("accounting-db");

        Assert.Equal([registry, userManagement, accounting], postgres.Databases);
        Assert.Equal(("accounting", "accounting"), (accounting.DatabaseName, accounting.Owner));
        Assert.Same(postgres, registry.Parent);
        Assert.Equal("registry", registry.DatabaseName);
        Assert.Null(registry.Owner);
        Assert.Same(postgres, userManagement.Parent);
        Assert.Equal("usermanagement", userManagement.DatabaseName);
        Assert.Equal("usermanagement", userManagement.Owner);
        Assert.NotNull(userManagement.OwnerPassword);
    }

    [Fact]
    public void Platform_Projects_AreTheRepositorysServiceProjects()
    {
        using var platform = new PlatformModel();

        string ProjectOf(string name) =>
            Path.GetRelativePath(RepositoryRoot.Path, platform.Resource<ProjectResource>(name).GetProjectMetadata().ProjectPath).Replace('\\', '/');

        Assert.Equal("Core.Registry/Fabrix.Core.Registry.csproj", ProjectOf("registry"));
        Assert.Equal("Core.Gateway/Fabrix.Core.Gateway.csproj", ProjectOf("gateway"));
        Assert.Equal("Core.Events/Fabrix.Core.Events.csproj", ProjectOf("events"));
        Assert.Equal("AdminConsole/Fabrix.AdminConsole.csproj", ProjectOf("console"));
        Assert.Equal("Plugins.Samples/UserManagement/Fabrix.Plugins.Samples.UserManagement.csproj", ProjectOf("user-management"));
        Assert.Equal("Plugins.Samples/Accounting/Fabrix.Plugins.Samples.Accounting.csproj", ProjectOf("accounting"));
        Assert.Equal("Core.Proxy/Fabrix.Core.Proxy.csproj", ProjectOf("proxy"));
        Assert.Equal("Plugins.Samples/Notifications/Fabrix.Plugins.Samples.Notifications.csproj", ProjectOf("notifications"));
        Assert.Equal("Plugins.Samples/InternetReceiver/Fabrix.Plugins.Samples.InternetReceiver.csproj", ProjectOf("receiver"));
        Assert.Equal("Plugins.Samples/Hr/Fabrix.Plugins.Samples.Hr.csproj", ProjectOf("hr"));
    }

    [Theory]
    [InlineData("registry", "nats,postgres")]
    [InlineData("gateway", "nats,registry")]
    [InlineData("events", "nats,registry")]
    [InlineData("console", "registry")]
    [InlineData("user-management", "events,postgres,registry")]
    [InlineData("accounting", "events,gateway,postgres,registry,user-management")]
    [InlineData("proxy", "nats,registry")]
    [InlineData("notifications", "proxy,receiver,registry")]
    [InlineData("hr", "events,registry")]
    [InlineData("receiver", "")]
    [InlineData("postgres", "")]
    [InlineData("nats", "")]
    public void Platform_Waits_AreForHealthyDependencies(string resource, string expected)
    {
        using var platform = new PlatformModel();

        var waits = platform.Resource(resource).Annotations.OfType<WaitAnnotation>().ToList();

        Assert.Equal(expected, string.Join(',', waits.Select(w => w.Resource.Name).Order(StringComparer.Ordinal)));
        Assert.All(waits, w => Assert.Equal(WaitType.WaitUntilHealthy, w.WaitType));
    }

    [Theory]
    [InlineData("registry", "nats,registry-db")]
    [InlineData("gateway", "nats,registry,user-management")]
    [InlineData("events", "nats,registry")]
    [InlineData("console", "registry")]
    [InlineData("user-management", "events,registry,usermanagement-db")]
    [InlineData("accounting", "accounting-db,events,gateway,registry")]
    [InlineData("notifications", "proxy,registry")]
    [InlineData("hr", "events,registry")]
    public void Platform_References_AreTheDatabasesAndServicesEachServiceUses(string resource, string expected)
    {
        using var platform = new PlatformModel();

        var references = platform.Resource(resource).Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(a => a.Type == "Reference")
            .Select(a => a.Resource.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

        // A plugin never references NATS nor core's database (issue 7): only its own database, the registry and the lanes.
        Assert.Equal(expected, string.Join(',', references));
    }

    [Fact]
    public void Platform_HealthChecks_CoverEveryProcessAndThePluginsActivation()
    {
        using var platform = new PlatformModel();

        string ChecksOf(string name) =>
            string.Join(',', platform.Resource(name).Annotations.OfType<HealthCheckAnnotation>().Select(h => h.Key).Order(StringComparer.Ordinal));

        Assert.Equal("postgres-provisioned", ChecksOf("postgres"));
        Assert.Equal("postgres-provisioned", ChecksOf("registry-db"));
        Assert.Equal("postgres-provisioned", ChecksOf("usermanagement-db"));
        Assert.Single(platform.Resource("nats").Annotations.OfType<HealthCheckAnnotation>());
        Assert.Single(platform.Resource("registry").Annotations.OfType<HealthCheckAnnotation>());
        Assert.Single(platform.Resource("gateway").Annotations.OfType<HealthCheckAnnotation>());
        Assert.Single(platform.Resource("events").Annotations.OfType<HealthCheckAnnotation>());
        Assert.Single(platform.Resource("console").Annotations.OfType<HealthCheckAnnotation>());
        Assert.Contains("user-management-active", ChecksOf("user-management").Split(','));
        Assert.Equal(2, platform.Resource("user-management").Annotations.OfType<HealthCheckAnnotation>().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Platform_Endpoints_AreFixedUnproxiedPortsShiftedByThePortOffset(int offset)
    {
        using var platform = new PlatformModel(offset);

        var endpoints = platform.Builder.Resources
            .SelectMany(r => r.Annotations.OfType<EndpointAnnotation>().Select(e => (Name: $"{r.Name}.{e.Name}", Endpoint: e)))
            .ToList();

        Assert.Equal(
            new Dictionary<string, int>
            {
                ["postgres.tcp"] = 5433 + offset,
                ["nats.tcp"] = 4222 + offset,
                ["nats.monitoring"] = 8222 + offset,
                ["registry.http"] = 5100 + offset,
                ["registry.grpc"] = 5101 + offset,
                ["gateway.http"] = 5300 + offset,
                ["gateway.h2c"] = 5301 + offset,
                ["events.http"] = 5310 + offset,
                ["events.grpc"] = 5311 + offset,
                ["console.http"] = 5000 + offset,
                ["user-management.http"] = 5200 + offset,
                ["user-management.grpc"] = 5201 + offset,
                ["accounting.http"] = 5210 + offset,
                ["receiver.http"] = 5405 + offset,
                ["proxy.http"] = 5305 + offset,
                ["notifications.http"] = 5225 + offset,
                ["hr.http"] = 5215 + offset,
            },
            endpoints.ToDictionary(e => e.Name, e => e.Endpoint.Port ?? -1));
        Assert.All(endpoints, e => Assert.False(e.Endpoint.IsProxied, e.Name));
    }
}
