using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Output;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Projects;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// Declares the resources, one line each (Program.cs). Ports given here are defaults: the port offset and
/// <c>--port</c> overrides apply as each endpoint is declared.
/// </summary>
internal sealed partial class FabrixAppHostBuilder
{
    private readonly List<IResource> _resources = [];
    private readonly HashSet<string> _usedOverrides = new(StringComparer.Ordinal);

    public FabrixAppHostBuilder(AppHostOptions options, string? repositoryRoot, ParsedCommandLine? commandLine = null)
    {
        Options = options;
        RepositoryRoot = repositoryRoot;
        CommandLine = commandLine;
    }

    public AppHostOptions Options { get; }

    public string? RepositoryRoot { get; }

    public ParsedCommandLine? CommandLine { get; }

    public IReadOnlyList<IResource> Resources => _resources;

    /// <summary>Started by <c>dotnet run --no-build</c> (<see cref="DotnetRunInvocation"/>): the services are not built either.</summary>
    public bool StartedWithoutBuild { get; init; }

    /// <summary>Replaces the terminal (tests capture output).</summary>
    public Reporter? Reporter { get; set; }

    public PostgresResource AddPostgres(string name, int port) =>
        Add(new PostgresResource(name, new Endpoint(name, "tcp", "tcp", EndpointProtocol.Tcp, ResolvePort(name, "tcp", port))));

    public NatsResource AddNats(string name, int port) =>
        Add(new NatsResource(name, new Endpoint(name, "tcp", "nats", EndpointProtocol.Tcp, ResolvePort(name, "tcp", port))));

    /// <summary>A .NET project of the repository; <paramref name="projectPath"/> is relative to the repository root.</summary>
    public ProjectResource AddProject(string name, string projectPath) =>
        Add(new ProjectResource(name, projectPath, ResolvePort));

    public FabrixAppHost Build()
    {
        var errors = new List<string>();
        // An offset beyond the port range is already reported once by the command line.
        var offsetInRange = Math.Abs(Options.PortOffset) <= IPEndPoint.MaxPort;
        foreach (var endpoint in _resources.SelectMany(r => r.Endpoints).Where(_ => offsetInRange))
        {
            if (endpoint.Port is < 1 or > IPEndPoint.MaxPort)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"port of {endpoint.DisplayName} would be {endpoint.Port} with --port-offset {Options.PortOffset}; choose a smaller offset"));
            }
        }

        foreach (var unknown in Options.PortOverrides.Keys.Where(k => !_usedOverrides.Contains(k)))
        {
            var known = string.Join(", ", _resources.SelectMany(r => r.Endpoints).Select(e => $"{e.Resource}.{e.Name}"));
            errors.Add($"--port {unknown}: no such endpoint (known: {known})");
        }

        try
        {
            ResourceGraph.StartOrder(_resources);
        }
        catch (AppHostException e)
        {
            errors.Add(e.Message);
        }

        return new FabrixAppHost(this, errors);
    }

    private T Add<T>(T resource)
        where T : IResource
    {
        if (!ResourceName().IsMatch(resource.Name))
        {
            throw new ArgumentException($"Resource name '{resource.Name}' must be lower-case letters, digits and hyphens, starting with a letter.", nameof(resource));
        }

        if (_resources.Any(r => r.Name == resource.Name))
        {
            throw new ArgumentException($"Resource '{resource.Name}' is declared twice.", nameof(resource));
        }

        _resources.Add(resource);
        return resource;
    }

    private int ResolvePort(string resource, string endpoint, int declaredPort)
    {
        var key = $"{resource}.{endpoint}";
        if (Options.PortOverrides.TryGetValue(key, out var port))
        {
            _usedOverrides.Add(key);
            return port;
        }

        return declaredPort + Options.PortOffset;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceName();
}
