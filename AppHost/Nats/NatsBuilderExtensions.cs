using System.Globalization;
using System.Text;
using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Nats;

/// <summary><c>AddFabrixNats</c>: nats-server as an Aspire executable resource with JetStream and one user per referencing service.</summary>
public static class NatsBuilderExtensions
{
    public static IResourceBuilder<FabrixNatsResource> AddFabrixNats(this IDistributedApplicationBuilder builder, string name, string dataRoot, int port, int monitoringPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var root = Path.Combine(dataRoot, name);
        var operatorPassword = builder.AddParameter($"{name}-password",
            SecretFile.ReadOrCreate(Path.Combine(root, "users", FabrixNatsResource.OperatorUser + ".password")), secret: true);
        var nats = new FabrixNatsResource(name, root, operatorPassword.Resource);
        var resource = builder.AddResource(nats)
            .WithEndpoint(port: port, targetPort: port, scheme: "nats", name: FabrixNatsResource.EndpointName, isProxied: false)
            .WithHttpEndpoint(port: monitoringPort, targetPort: monitoringPort, name: FabrixNatsResource.MonitoringEndpointName, isProxied: false)
            .WithArgs("-c", nats.ConfigFile)
            .WithHttpHealthCheck("/healthz?js-enabled-only=true", endpointName: FabrixNatsResource.MonitoringEndpointName)
            .WithIconName("Mail")
            .ExcludeFromManifest();
        operatorPassword.WithParentRelationship(resource);

        // Users follow the references, known only once the whole model is built.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            ApplyUsers(nats, e.Model);
            return Task.CompletedTask;
        });
        return resource;
    }

    /// <summary>
    /// Gives every resource that references <paramref name="nats"/> a user of its own (its connection string then
    /// carries that user instead of the operator's) and writes <c>nats.conf</c> with exactly those users.
    /// </summary>
    internal static IReadOnlyList<string> ApplyUsers(FabrixNatsResource nats, DistributedApplicationModel model)
    {
        var clients = model.Resources
            .Where(r => r is IResourceWithEnvironment && r.Annotations.OfType<ResourceRelationshipAnnotation>()
                .Any(a => ReferenceEquals(a.Resource, nats) && a.Type == "Reference"))
            .Cast<IResourceWithEnvironment>()
            .ToList();
        var users = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [FabrixNatsResource.OperatorUser] = SecretFile.ReadOrCreate(nats.UserPasswordFile(FabrixNatsResource.OperatorUser)),
        };
        foreach (var client in clients)
        {
            var user = client.Name;
            var password = SecretFile.ReadOrCreate(nats.UserPasswordFile(user));
            users[user] = password;
            var connectionString = string.Create(CultureInfo.InvariantCulture, $"nats://{user}:{password}@127.0.0.1:{nats.Port(FabrixNatsResource.EndpointName)}");
            client.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                // Every variable that carries this server's connection string, whatever the reference's connection
                // name (WithReference(nats) gives ConnectionStrings__nats, WithReference(nats, "bus") ConnectionStrings__bus).
                var carriers = context.EnvironmentVariables
                    .Where(v => v.Value is ConnectionStringReference reference && ReferenceEquals(reference.Resource, nats))
                    .Select(v => v.Key)
                    .ToList();
                foreach (var variable in carriers)
                {
                    context.EnvironmentVariables[variable] = connectionString;
                }
            }));
        }

        Directory.CreateDirectory(nats.RootDirectory);
        SecretFile.WritePrivate(nats.ConfigFile, Config(nats, users));
        return [.. users.Keys];
    }

    /// <summary>The only user that may publish on <see cref="ControlSubjects"/>.</summary>
    internal const string ControlPublisher = "registry";

    /// <summary>The core control subjects (<c>fabrix.control.events.*</c>, <c>fabrix.control.webhooks.*</c>): every other user is denied publishing there.</summary>
    internal const string ControlSubjects = "fabrix.control.>";

    /// <summary>
    /// JetStream with its store under the data folder, 127.0.0.1 only, and an authorization block with no anonymous user
    /// in which only <see cref="ControlPublisher"/> may publish on <see cref="ControlSubjects"/>.
    /// </summary>
    internal static string Config(FabrixNatsResource nats, IReadOnlyDictionary<string, string> users)
    {
        var text = new StringBuilder("# Written by the Fabrix AppHost at every start (AppHost/Nats/NatsBuilderExtensions.cs); edits are overwritten.\n");
        text.Append(CultureInfo.InvariantCulture, $"listen: \"127.0.0.1:{nats.Port(FabrixNatsResource.EndpointName)}\"\n");
        text.Append(CultureInfo.InvariantCulture, $"http: \"127.0.0.1:{nats.Port(FabrixNatsResource.MonitoringEndpointName)}\"\n");
        text.Append(CultureInfo.InvariantCulture, $"jetstream {{ store_dir: {Quote(nats.RootDirectory)} }}\n");
        text.Append("authorization {\n  users = [\n");
        foreach (var (user, password) in users)
        {
            // Core-only control subjects (issue 11: registry → Core.Events): only the registry, the administrator plane, publishes there.
            var permissions = user == ControlPublisher ? string.Empty : $", permissions: {{ publish: {{ deny: [\"{ControlSubjects}\"] }} }}";
            text.Append(CultureInfo.InvariantCulture, $"    {{ user: \"{user}\", password: \"{password}\"{permissions} }}\n");
        }

        text.Append("  ]\n}\n");
        return text.ToString();
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
