using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// A PostgreSQL cluster under <c>DATA/NAME/</c>, run as an executable (no container engine here). Created on first start
/// with password authentication (a generated superuser password in <c>.password</c>, 0600), then reused; it holds real
/// data, so fsync stays on. The server listens on 127.0.0.1 only, with its Unix socket inside the data folder. Its
/// connection string is the superuser's; the databases (<see cref="FabrixPostgresDatabaseResource"/>) give their own.
/// </summary>
public sealed class FabrixPostgresResource(string name, string rootDirectory, ParameterResource password)
    : ExecutableResource(name, "/bin/bash", rootDirectory), IResourceWithConnectionString
{
    public const string Superuser = "postgres";
    public const string EndpointName = "tcp";

    private readonly List<FabrixPostgresDatabaseResource> _databases = [];

    /// <summary>The superuser's password, generated once (<c>DATA/NAME/.password</c>).</summary>
    public ParameterResource Password { get; } = password;

    public string RootDirectory { get; } = rootDirectory;

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    public string PasswordFile => Path.Combine(RootDirectory, ".password");

    public string SocketDirectory => Path.Combine(RootDirectory, "run");

    public string RolePasswordFile(string role) => Path.Combine(RootDirectory, "roles", role + ".password");

    public IReadOnlyList<FabrixPostgresDatabaseResource> Databases => _databases;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={Superuser};Password={Password}");

    internal void AddDatabase(FabrixPostgresDatabaseResource database) => _databases.Add(database);

    internal static string ServerConnectionString(int port, string password, string database) => new Npgsql.NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = Superuser,
        Password = password,
        Database = database,
        // The AppHost's own short sessions must not linger in a pool and delay a fast shutdown.
        Pooling = false,
        Timeout = 3,
    }.ConnectionString;

    internal int Port => ((IResource)this).Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == EndpointName).Port
        ?? throw new InvalidOperationException($"{Name} has no fixed port.");

    internal string Display => FabrixLayout.Display(RootDirectory);
}
