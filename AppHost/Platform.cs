using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Output;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AppHost;

/// <summary>
/// The Fabrix platform as the AppHost runs it: one line per resource. Ports are defaults shifted by
/// <c>--port-offset</c>; data goes under <c>--data</c>. A new service is one more <c>AddFabrixProject</c> line.
/// </summary>
internal static class Platform
{
    public const string SignInHint =
        "Sign in with the development sign-in: pick any user name and roles (admin, plugin_manager, audit_viewer, ...).";

    /// <summary>
    /// The platform's own processes: the services and the two servers (not Aspire's dashboard, nor the hidden
    /// "-rebuilder" resources Aspire adds for each project).
    /// </summary>
    public static bool IsFabrixProcess(IResource resource) =>
        resource is FabrixPostgresResource or FabrixNatsResource
            || (resource is ProjectResource && !resource.Name.EndsWith("-rebuilder", StringComparison.Ordinal));

    public static IDistributedApplicationBuilder AddFabrixPlatform(this IDistributedApplicationBuilder builder, FabrixLayout layout, FabrixDashboard dashboard,
        IReadOnlyList<(string Name, int Port)> dashboardPorts)
    {
        builder.Services.AddSingleton(layout);
        builder.Services.AddSingleton(dashboard);
        builder.Services.AddHostedService<ReadyLine>();
        builder.Services.AddHostedService<CrashRestarts>();
        builder.Services.AddHostedService<ResourceLogFiles>();
        builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) => Preflight.RunAsync(e, layout, dashboardPorts, cancellationToken));

        // Services wait for the server, whose health check provisions every database and role (WaitFor on a database
        // resource itself never completes under Aspire 13.6's orchestrator; see Postgres/README in AppHost/README.md).
        var postgres = builder.AddFabrixPostgres("postgres", layout.DataRoot, layout.Port(FabrixPorts.Postgres));
        var registryDatabase = postgres.AddDatabase("registry-db", "registry");
        var userManagementDatabase = postgres.AddDatabase("usermanagement-db", "usermanagement", owner: "usermanagement");
        var accountingDatabase = postgres.AddDatabase("accounting-db", "accounting", owner: "accounting");
        var nats = builder.AddFabrixNats("nats", layout.DataRoot, layout.Port(FabrixPorts.Nats), layout.Port(FabrixPorts.NatsMonitoring));

        var registry = builder.AddFabrixProject<Projects.Fabrix_Core_Registry>("registry")
            .WithFabrixHttpEndpoint(layout.Port(FabrixPorts.RegistryHttp)).WithFabrixGrpcEndpoint(layout.Port(FabrixPorts.RegistryGrpc)).WithFabrixHealthCheck()
            .WithReference(registryDatabase, "registry").WithReference(nats).WaitFor(postgres).WaitFor(nats)
            .WithDevelopmentAdminKey(layout, publicHalfOnly: false)
            .WithDataDirectory(layout, "Fabrix__Registry__KeyRingPath", "registry/keyring");

        // The Operator lane (issue 10): plugins call each other only through it.
        var gateway = builder.AddFabrixLane<Projects.Fabrix_Core_Gateway>("gateway", layout.Port(FabrixPorts.Gateway), registry, nats, layout)
            .WithEnvironment("Fabrix__Lanes__Audit__Service", "gateway")
            .WithFabrixGrpcEndpoint(layout.Port(FabrixPorts.GatewayH2c), "h2c");
        // The registry publishes the gateway's key as the one caller-context issuer plugins trust (issue 10 section 3).
        registry.WithEnvironment("Fabrix__Registry__ServiceIdentity__CallerContextIssuers__0", "gateway");

        // The Canonical lane (issue 11): plugins publish and receive canonical events only through it (HTTP publish on
        // its http endpoint, the gRPC Events service on its h2c grpc endpoint).
        var events = builder.AddFabrixLane<Projects.Fabrix_Core_Events>("events", layout.Port(FabrixPorts.Events), registry, nats, layout)
            .WithFabrixGrpcEndpoint(layout.Port(FabrixPorts.EventsGrpc))
            .WithEnvironment("Fabrix__Lanes__Audit__Service", "events");
        // Only the service that delivers events may read push and webhook secrets (the registry's PushTargets and
        // WebhookTargets); its identity is the lane's resource name, "events" (the registry's default too: set here so the
        // one service trusted with those secrets is written next to the lane it names).
        registry.WithEnvironment("Fabrix__Registry__Webhooks__DeliveryService", "events");

        builder.AddFabrixProject<Projects.Fabrix_AdminConsole>("console")
            .WithFabrixHttpEndpoint(layout.Port(FabrixPorts.Console)).WithFabrixHealthCheck()
            .WithReference(registry).WaitFor(registry)
            .WithDevelopmentAdminKey(layout, publicHalfOnly: false)
            .WithEnvironment("Fabrix__DevSignIn__Enabled", "true");

        var userManagement = builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_UserManagement>("user-management")
            .WithFabrixHttpEndpoint(layout.Port(FabrixPorts.UserManagement)).WithFabrixGrpcEndpoint(layout.Port(FabrixPorts.UserManagementGrpc)).WithFabrixHealthCheck()
            .WithReference(userManagementDatabase, "usermanagement").WithReference(registry).WaitFor(registry).WaitFor(postgres)
            .WithDevelopmentAdminKey(layout, publicHalfOnly: true)
            .WithPluginInstallation("Plugins.Samples/UserManagement/manifest.json", registry, layout)
            .WithFabrixEvents(events);
        // gRPC calls to user-management go to its h2c endpoint (Core.Gateway/README.md, "gRPC").
        gateway.WithEnvironment("Fabrix__Gateway__GrpcTargets__user-management", userManagement.GetEndpoint(FabrixProjectExtensions.GrpcEndpoint));

        // Calls user-management only through the gateway (issue 10 section 7).
        builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_Accounting>("accounting")
            .WithFabrixHttpEndpoint(layout.Port(FabrixPorts.Accounting)).WithFabrixHealthCheck()
            .WithReference(registry).WithReference(gateway).WaitFor(registry).WaitFor(gateway).WaitFor(userManagement)
            .WithEnvironment("Fabrix__Plugin__GatewayGrpcAddress", gateway.GetEndpoint("h2c"))
            .WithDevelopmentAdminKey(layout, publicHalfOnly: true)
            .WithPluginInstallation("Plugins.Samples/Accounting/manifest.json", registry, layout)
            .WithReference(accountingDatabase, "accounting").WaitFor(postgres)
            .WithFabrixEvents(events);

        builder.AddFabrixProxyLane(registry, nats, layout);

        // Publishes UserCreated through the Canonical lane; accounting and user-management receive it (issue 11 section 6).
        builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_Hr>("hr")
            .WithFabrixHttpEndpoint(layout.Port(FabrixPorts.Hr)).WithFabrixHealthCheck()
            .WithReference(registry).WaitFor(registry)
            .WithDevelopmentAdminKey(layout, publicHalfOnly: true)
            .WithPluginInstallation("Plugins.Samples/Hr/manifest.json", registry, layout)
            .WithFabrixEvents(events);

        return builder;
    }
}
