namespace Fabrix.AppHost.Postgres;

/// <summary>
/// A database of a <see cref="FabrixPostgresResource"/>, created when the server first becomes healthy. With an owner
/// (a plugin's database) it belongs to a LOGIN role of that name (not superuser, no CREATEDB/CREATEROLE) with a
/// generated password, and its connection string connects as that role; without one (core's databases), as the
/// superuser. No database of the cluster accepts connections from PUBLIC, so a plugin's role cannot reach the
/// registry's database (issue 7 section 7).
/// </summary>
public sealed class FabrixPostgresDatabaseResource(string name, string databaseName, FabrixPostgresResource parent, string? owner, ParameterResource? ownerPassword)
    : Resource(name), IResourceWithParent<FabrixPostgresResource>, IResourceWithConnectionString
{
    public FabrixPostgresResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    /// <summary>The LOGIN role that owns the database, or null when the superuser does.</summary>
    public string? Owner { get; } = owner;

    public ParameterResource? OwnerPassword { get; } = ownerPassword;

    public ReferenceExpression ConnectionStringExpression => Owner is null || OwnerPassword is null
        ? ReferenceExpression.Create($"{Parent};Database={DatabaseName}")
        : ReferenceExpression.Create(
            $"Host=127.0.0.1;Port={Parent.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={Owner};Password={OwnerPassword};Database={DatabaseName}");
}
