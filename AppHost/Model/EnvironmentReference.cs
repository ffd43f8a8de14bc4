namespace Fabrix.AppHost.Model;

/// <summary>
/// A reference from a project to another resource, turned into environment variables in .NET Aspire's conventions
/// (<c>ConnectionStrings__NAME</c>, <c>services__NAME__ENDPOINT__0</c>) so services run unchanged under any orchestrator.
/// </summary>
internal sealed class EnvironmentReference
{
    private readonly Action<IDictionary<string, string>> _apply;

    private EnvironmentReference(IResource resource, Action<IDictionary<string, string>> apply)
    {
        Resource = resource;
        _apply = apply;
    }

    public IResource Resource { get; }

    /// <summary><c>ConnectionStrings__NAME</c> = the value, computed when the project starts (passwords exist only then).</summary>
    public static EnvironmentReference ConnectionString(IResource resource, string connectionName, Func<string> value) =>
        new(resource, env => env[$"ConnectionStrings__{connectionName}"] = value());

    /// <summary><c>services__NAME__ENDPOINT__0</c> = the endpoint's URL, for every endpoint of <paramref name="resource"/>.</summary>
    public static EnvironmentReference Service(IResource resource) =>
        new(resource, env =>
        {
            foreach (var endpoint in resource.Endpoints)
            {
                env[$"services__{resource.Name}__{endpoint.Name}__0"] = endpoint.Url;
            }
        });

    public void ApplyTo(IDictionary<string, string> environment) => _apply(environment);
}
