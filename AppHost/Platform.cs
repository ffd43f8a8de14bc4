using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost;

/// <summary>
/// The Fabrix platform as the AppHost runs it: one line per resource. Ports are defaults (shifted by
/// <c>--port-offset</c>). Adding a service is one more <c>AddProject</c> line.
/// </summary>
internal static class Platform
{
    public const string SignInHint =
        "Sign in with the development sign-in: pick any user name and roles (admin, plugin_manager, audit_viewer, ...).";

    public static FabrixAppHostBuilder AddFabrixPlatform(this FabrixAppHostBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres", port: 5433).WithDatabase("registry").WithDatabase("usermanagement", owner: "usermanagement");
        var nats = builder.AddNats("nats", port: 4222);

        var registry = builder.AddProject("registry", "Core.Registry/Fabrix.Core.Registry.csproj")
            .WithHttpEndpoint("http", port: 5100).WithHttp2Endpoint("grpc", port: 5101)
            .WithReference(postgres, "registry").WithReference(nats).WaitFor(postgres).WaitFor(nats)
            .WithDataDirectory("Fabrix__Registry__KeyRingPath", "registry/keyring");

        builder.AddProject("console", "AdminConsole/Fabrix.AdminConsole.csproj")
            .WithHttpEndpoint("http", port: 5000).WithReference(registry).WaitFor(registry)
            .WithEnvironment("Fabrix__DevSignIn__Enabled", "true")
            .WithBanner("Admin console", SignInHint);

        builder.AddProject("user-management", "Plugins.Samples/UserManagement/Fabrix.Plugins.Samples.UserManagement.csproj")
            .WithHttpEndpoint("http", port: 5200).WithReference(postgres, "usermanagement").WithReference(registry).WaitFor(registry)
            .WithPluginInstallation("Plugins.Samples/UserManagement/manifest.json");

        return builder;
    }
}
