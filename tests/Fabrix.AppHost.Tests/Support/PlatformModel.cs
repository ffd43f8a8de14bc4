using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Output;

namespace Fabrix.AppHost.Tests.Support;

/// <summary>
/// The AppHost's application model (<c>Platform.AddFabrixPlatform</c>) on a temp data folder, built but never
/// run: nothing starts, so the resource graph and each service's environment can be read as the AppHost declares them.
/// </summary>
internal sealed class PlatformModel : IDisposable
{
    private readonly TempFolder _data = new("fabrix-model-");
    private DistributedApplication? _app;

    public PlatformModel(int portOffset = 0)
    {
        Builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });
        Layout = new FabrixLayout(RepositoryRoot.Path, _data.Path, portOffset);
        Builder.AddFabrixPlatform(Layout, new FabrixDashboard(null), []);
    }

    public IDistributedApplicationBuilder Builder { get; }

    public FabrixLayout Layout { get; }

    public DistributedApplicationModel Model => new(Builder.Resources);

    public IResource Resource(string name) => Builder.Resources.Single(r => r.Name == name);

    public T Resource<T>(string name)
        where T : IResource => Assert.IsType<T>(Resource(name));

    /// <summary>
    /// The environment <paramref name="name"/> is given, every value resolved to its text. The callbacks run as for the
    /// manifest (publish mode): in run mode a plugin's callback installs it through the registry, which is not running
    /// here (<c>PluginCredentialHandOffTests</c> covers that step). Endpoints are allocated at their
    /// declared ports, as DCP does for the AppHost's fixed, unproxied endpoints.
    /// </summary>
    public Task<IReadOnlyDictionary<string, string?>> EnvironmentAsync(string name) =>
        ResolveEnvironmentAsync(name, new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish));

    /// <summary>
    /// The environment as the AppHost's run gives it: the application is built (not started) so that callbacks have its
    /// services; a plugin's callback then installs it through the registry at <c>registry.grpc</c>.
    /// </summary>
    public Task<IReadOnlyDictionary<string, string?>> RunEnvironmentAsync(string name)
    {
        _app ??= Builder.Build();
        return ResolveEnvironmentAsync(name, Builder.ExecutionContext);
    }

    private async Task<IReadOnlyDictionary<string, string?>> ResolveEnvironmentAsync(string name, DistributedApplicationExecutionContext executionContext)
    {
        AllocateEndpoints();
        var resource = Resource(name);
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        var context = new EnvironmentCallbackContext(executionContext, resource, variables, TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        var resolved = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (variable, value) in variables)
        {
            resolved[variable] = value switch
            {
                string text => text,
                IValueProvider provider => await provider.GetValueAsync(TestContext.Current.CancellationToken),
                _ => value?.ToString(),
            };
        }

        return resolved;
    }

    private void AllocateEndpoints()
    {
        foreach (var endpoint in Builder.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.AllocatedEndpoint ??= new AllocatedEndpoint(endpoint, "127.0.0.1", endpoint.Port ?? throw new InvalidOperationException($"{endpoint.Name} has no fixed port"));
        }
    }

    public void Dispose()
    {
        _app?.Dispose();
        _data.Dispose();
    }
}
