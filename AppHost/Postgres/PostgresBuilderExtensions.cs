using System.Text.RegularExpressions;
using Fabrix.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// <c>AddFabrixPostgres</c> / <c>AddDatabase</c>: PostgreSQL as an Aspire executable resource, used like the official
/// integration (<c>WithReference(db)</c>, <c>WaitFor(postgres)</c> or <c>WaitFor(db)</c>), which needs a container
/// engine this machine does not have.
/// </summary>
public static partial class PostgresBuilderExtensions
{
    /// <summary>
    /// A cluster under <c>DATA/<paramref name="name"/>/</c> listening on 127.0.0.1:<paramref name="port"/>. The init step
    /// (initdb once, chown for user postgres as root) runs before each start; the health check provisions the databases.
    /// </summary>
    public static IResourceBuilder<FabrixPostgresResource> AddFabrixPostgres(this IDistributedApplicationBuilder builder, string name, string dataRoot, int port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var root = Path.Combine(dataRoot, name);
        var passwordFile = Path.Combine(root, ".password");
        if (!File.Exists(passwordFile) && File.Exists(Path.Combine(root, "data", "PG_VERSION")))
        {
            throw new AppHostException($"the PostgreSQL cluster in {FabrixLayout.Display(Path.Combine(root, "data"))} has no password file {FabrixLayout.Display(passwordFile)}; restore it, or delete {FabrixLayout.Display(root)} to create a new, empty cluster");
        }

        var password = builder.AddParameter($"{name}-password", SecretFile.ReadOrCreate(passwordFile), secret: true);
        var postgres = new FabrixPostgresResource(name, root, password.Resource);
        var healthCheckKey = $"{name}-provisioned";
        var provisioning = new PostgresProvisioning(postgres);
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            healthCheckKey, _ => provisioning, failureStatus: null, tags: null));

        var resource = builder.AddResource(postgres)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: FabrixPostgresResource.EndpointName, isProxied: false)
            .WithArgs(context =>
            {
                foreach (var argument in PostgresCluster.RunArguments(postgres, postgres.Port))
                {
                    context.Args.Add(argument);
                }
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database")
            .ExcludeFromManifest();
        password.WithParentRelationship(resource);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(postgres, (_, cancellationToken) => PostgresCluster.PrepareAsync(postgres, cancellationToken));

        // Registered after Aspire's own hosted services (CreateBuilder adds them), so it stops before the orchestrator
        // stops any resource: each cluster gets its fast shutdown before DCP's SIGTERM and kill (PostgresShutdown).
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgresShutdown>());
        return resource;
    }

    /// <summary>
    /// A database of the cluster; with <paramref name="owner"/>, owned by a LOGIN role of that name whose password is
    /// kept in <c>DATA/NAME/roles/OWNER.password</c>. Reference it with <c>WithReference(db, "CONNECTION")</c>.
    /// </summary>
    public static IResourceBuilder<FabrixPostgresDatabaseResource> AddDatabase(this IResourceBuilder<FabrixPostgresResource> builder, string name,
        string? databaseName = null, string? owner = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var postgres = builder.Resource;
        databaseName ??= name;
        if (!PostgresName().IsMatch(databaseName))
        {
            throw new ArgumentException($"Database name '{databaseName}' must be lower-case letters, digits and underscores, starting with a letter or underscore.", nameof(databaseName));
        }

        if (owner is not null && (!PostgresName().IsMatch(owner) || owner == FabrixPostgresResource.Superuser))
        {
            throw new ArgumentException($"Role name '{owner}' must be lower-case letters, digits and underscores, starting with a letter or underscore, and not '{FabrixPostgresResource.Superuser}'.", nameof(owner));
        }

        if (postgres.Databases.Any(d => d.DatabaseName == databaseName))
        {
            throw new ArgumentException($"Database '{databaseName}' is declared twice on {postgres.Name}.", nameof(databaseName));
        }

        var ownerPassword = owner is null
            ? null
            : builder.ApplicationBuilder.AddParameter($"{name}-password", SecretFile.ReadOrCreate(postgres.RolePasswordFile(owner)), secret: true)
                .WithParentRelationship(builder).Resource;
        var database = new FabrixPostgresDatabaseResource(name, databaseName, postgres, owner, ownerPassword);
        postgres.AddDatabase(database);

        // A database has no process of its own: it is running once its server is healthy (provisioned), and healthy
        // whenever its server is, so WaitFor(db) works as for the official integration.
        builder.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(postgres, async (e, cancellationToken) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var now = (e.Services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().UtcDateTime;
            await notifications.PublishUpdateAsync(database, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = now,
            });
        });
        return builder.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(builder)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new ResourcePropertySnapshot(CustomResourceKnownProperties.Source, databaseName)],
            })
            .WithHealthCheck($"{postgres.Name}-provisioned")
            .ExcludeFromManifest();
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex PostgresName();
}
