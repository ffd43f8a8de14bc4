using Fabrix.AppHost.Nats;
using Fabrix.Contracts.Identity;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// A lane (Core.Gateway, Core.Events, Core.Proxy: issues 10–12) is a core service, not a plugin: it proves who it is to
/// the registry with short-lived service tokens signed by a key of its own (issue 9 section 2), reads the policy
/// snapshot from the registry's gRPC endpoint, and publishes decisions to NATS as its own NATS user. With these, a lane
/// is one line in <c>Platform.cs</c>:
/// <code>builder.AddFabrixLane&lt;Projects.Fabrix_Core_Gateway&gt;("core-gateway", layout.Port(5300), registry, nats, layout);</code>
/// </summary>
internal static class LaneExtensions
{
    public const string IdentityNameVariable = "Fabrix__Lanes__Identity__Name";
    public const string IdentityKeyPathVariable = "Fabrix__Lanes__Identity__KeyPath";
    public const string RegistryAddressVariable = "Fabrix__Lanes__Policy__RegistryAddress";

    /// <summary>The registry's variable that trusts <paramref name="service"/>'s public key.</summary>
    public static string TrustedServiceVariable(string service) => $"Fabrix__Registry__ServiceIdentity__TrustedServices__{service}";

    /// <summary>A lane service on 127.0.0.1:<paramref name="port"/>, healthy on <c>/health</c>, with its identity and NATS user.</summary>
    public static IResourceBuilder<ProjectResource> AddFabrixLane<TProject>(this IDistributedApplicationBuilder builder, string name, int port,
        IResourceBuilder<ProjectResource> registry, IResourceBuilder<FabrixNatsResource> nats, FabrixLayout layout)
        where TProject : IProjectMetadata, new() =>
        builder.AddFabrixProject<TProject>(name)
            .WithFabrixHttpEndpoint(port).WithFabrixHealthCheck()
            .WithReference(nats).WaitFor(nats)
            .WithLaneIdentity(registry, layout);

    /// <summary>
    /// Gives <paramref name="lane"/> a P-256 key of its own (<c>DATA/keys/NAME.pem</c>, generated once; the public half in
    /// <c>NAME.pub.pem</c>), tells the registry to trust that public key for the service named after the resource, and
    /// gives the lane its name, key path and the registry's gRPC address. The lane waits for the registry.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLaneIdentity(this IResourceBuilder<ProjectResource> lane, IResourceBuilder<ProjectResource> registry,
        FabrixLayout layout)
    {
        ArgumentNullException.ThrowIfNull(lane);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(layout);
        var name = lane.Resource.Name;
        if (!ServiceToken.IsValidName(name))
        {
            throw new ArgumentException($"A lane's resource name is its service identity: '{name}' must be 1–64 of [a-z0-9-].", nameof(lane));
        }

        var keyFile = layout.DataPath($"keys/{name}.pem");
        var publicKeyFile = layout.DataPath($"keys/{name}.pub.pem");
        void EnsureKeys() => ServiceToken.WritePublicKeyFile(ServiceToken.EnsureKeyFile(keyFile), publicKeyFile);

        registry.WithEnvironment(context =>
        {
            EnsureKeys();
            context.EnvironmentVariables[TrustedServiceVariable(name)] = publicKeyFile;
        });
        return lane
            .WithEnvironment(context =>
            {
                EnsureKeys();
                context.EnvironmentVariables[IdentityNameVariable] = name;
                context.EnvironmentVariables[IdentityKeyPathVariable] = keyFile;
                context.EnvironmentVariables[RegistryAddressVariable] = registry.Resource.UrlOf(FabrixProjectExtensions.GrpcEndpoint);
            })
            .WithReference(registry).WaitFor(registry);
    }
}
