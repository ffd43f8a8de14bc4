using System.Net;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Postgres;
using Fabrix.AppHost.Processes;
using Fabrix.Contracts.Identity;

namespace Fabrix.AppHost.Projects;

/// <summary>
/// A .NET service of the repository, built up-front and run as <c>dotnet PROJECT.dll</c> from its project folder (so
/// its appsettings.json is found), configured only through environment variables in .NET Aspire's conventions.
/// Ready when <c>GET /health</c> on its HTTP endpoint answers 200.
/// </summary>
internal sealed class ProjectResource : IResource
{
    /// <summary>Name of the service a plugin installation goes through (its gRPC endpoint).</summary>
    public const string RegistryName = "registry";

    /// <summary>The SDK's <c>Fabrix:Plugin:RegistrationCredential</c> as an environment variable.</summary>
    public const string RegistrationCredentialVariable = "Fabrix__Plugin__RegistrationCredential";

    /// <summary>Variables a parent shell may carry that would fight the Kestrel endpoints the AppHost assigns.</summary>
    private static readonly string[] InheritedUrlVariables = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "URLS"];

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly Func<string, string, int, int> _resolvePort;
    private readonly List<Endpoint> _endpoints = [];
    private readonly List<IResource> _waitFor = [];
    private readonly List<EnvironmentReference> _references = [];
    private readonly List<KeyValuePair<string, string>> _environment = [];
    private readonly List<KeyValuePair<string, string>> _dataDirectories = [];
    private readonly ResourceProcess _process;
    private string? _dotnet;
    private string? _registrationCredential;

    public ProjectResource(string name, string projectPath, Func<string, string, int, int> resolvePort)
    {
        Name = name;
        ProjectPath = projectPath;
        _resolvePort = resolvePort;
        _process = new ResourceProcess(name);
    }

    public string Name { get; }

    /// <summary>Path of the .csproj, relative to the repository root.</summary>
    public string ProjectPath { get; }

    /// <summary>The built assembly; set by the build step before the project starts.</summary>
    public string? TargetPath { get; set; }

    public IReadOnlyList<IResource> Dependencies =>
        _waitFor.Concat(_references.Select(r => r.Resource)).Distinct().ToList();

    public IReadOnlyList<Endpoint> Endpoints => _endpoints;

    /// <summary>The gRPC endpoint when there is one (what clients and the CLI address), else the first endpoint.</summary>
    public string? Url => (Http2Endpoint ?? _endpoints.FirstOrDefault())?.Url;

    public Endpoint? HttpEndpoint => _endpoints.FirstOrDefault(e => e.Protocol == EndpointProtocol.Http1);

    public Endpoint? Http2Endpoint => _endpoints.FirstOrDefault(e => e.Protocol == EndpointProtocol.Http2);

    /// <summary>The manifest file of the plugin, relative to the repository root (null for non-plugins).</summary>
    public string? PluginManifestPath { get; private set; }

    /// <summary>
    /// The manifest installed through the registry before this project starts, set by <see cref="PrepareAsync"/>: the
    /// file itself, or a copy whose <c>health_check.port</c> is this run's port (<see cref="RunManifest"/>).
    /// </summary>
    public PluginManifestFile? PluginManifest { get; private set; }

    /// <summary>Shown prominently once everything runs (the console's URL and how to sign in).</summary>
    public (string Title, string? Hint)? Banner { get; private set; }

    public Task<int>? Exited => _process.Exited;

    /// <summary>An HTTP/1.1 endpoint (REST, /health) on <paramref name="port"/> before the port offset.</summary>
    public ProjectResource WithHttpEndpoint(string name, int port) => AddEndpoint(name, port, EndpointProtocol.Http1);

    /// <summary>An HTTP/2-only cleartext endpoint (gRPC over h2c needs one) on <paramref name="port"/> before the port offset.</summary>
    public ProjectResource WithHttp2Endpoint(string name, int port) => AddEndpoint(name, port, EndpointProtocol.Http2);

    /// <summary><c>ConnectionStrings__DATABASE</c>: a database declared on <paramref name="postgres"/> with WithDatabase.</summary>
    public ProjectResource WithReference(PostgresResource postgres, string database)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        if (!postgres.Databases.Contains(database, StringComparer.Ordinal))
        {
            throw new ArgumentException($"{Name} references database '{database}', which {postgres.Name} does not declare (add .WithDatabase(\"{database}\")).", nameof(database));
        }

        _references.Add(EnvironmentReference.ConnectionString(postgres, database, () => postgres.ConnectionStringFor(database)));
        return this;
    }

    /// <summary>
    /// <c>ConnectionStrings__NATS-NAME</c> = <c>nats://NAME:PASSWORD@127.0.0.1:PORT</c>: this project becomes a NATS user
    /// of its own (NATS is core-only; only core services reference it).
    /// </summary>
    public ProjectResource WithReference(NatsResource nats)
    {
        ArgumentNullException.ThrowIfNull(nats);
        nats.WithUser(Name);
        _references.Add(EnvironmentReference.ConnectionString(nats, nats.Name, () => nats.ConnectionStringFor(Name)));
        return this;
    }

    /// <summary><c>services__NAME__ENDPOINT__0</c> for every endpoint of <paramref name="service"/>.</summary>
    public ProjectResource WithReference(ProjectResource service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _references.Add(EnvironmentReference.Service(service));
        return this;
    }

    /// <summary>Starts this project only once <paramref name="resource"/> is ready.</summary>
    public ProjectResource WaitFor(IResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        _waitFor.Add(resource);
        return this;
    }

    public ProjectResource WithEnvironment(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _environment.Add(new(name, value));
        return this;
    }

    /// <summary>A folder under the data root (created if missing), passed as an absolute path in <paramref name="variable"/>.</summary>
    public ProjectResource WithDataDirectory(string variable, string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(variable);
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        _dataDirectories.Add(new(variable, relativePath));
        return this;
    }

    /// <summary>
    /// Before this plugin starts, installs <paramref name="manifestPath"/> (relative to the repository root) through the
    /// referenced <c>registry</c>, enabled on registration, and hands the plugin its registration credential
    /// (<c>Fabrix__Plugin__RegistrationCredential</c>: issued by the install, or rotated when the plugin was already
    /// installed, since the secret is shown only once); also sets <c>Fabrix__Plugin__Address</c>, and
    /// <c>Fabrix__Plugin__ManifestPath</c> when the ports of this run make the AppHost adjust the manifest's
    /// <c>health_check.port</c>.
    /// </summary>
    public ProjectResource WithPluginInstallation(string manifestPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifestPath);
        PluginManifestPath = manifestPath;
        return this;
    }

    public ProjectResource WithBanner(string title, string? hint = null)
    {
        Banner = (title, hint);
        return this;
    }

    /// <summary>The referenced registry, through which a plugin installation goes.</summary>
    public ProjectResource? Registry =>
        _references.Select(r => r.Resource).OfType<ProjectResource>().FirstOrDefault(p => p.Name == RegistryName);

    public string ProjectFile(RunContext context) => context.RepositoryPath(ProjectPath);

    public string ProjectDirectory(RunContext context) => Path.GetDirectoryName(ProjectFile(context))!;

    /// <summary>Every variable this project gets on top of the inherited environment.</summary>
    public IReadOnlyDictionary<string, string> BuildEnvironment(RunContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = Name,
        };

        // Core services sign administrator calls with the development key; a plugin only checks them (issue 7), so it
        // gets the public half and could not mint an administrator token if it tried.
        if (PluginManifestPath is null)
        {
            environment[DevelopmentAdminToken.KeyFileEnvironmentVariable] = context.DevAdminKeyFile;
        }
        else
        {
            environment[DevelopmentAdminToken.PublicKeyFileEnvironmentVariable] = context.DevAdminPublicKeyFile;
        }

        foreach (var endpoint in _endpoints)
        {
            var kestrelName = KestrelEndpointName(endpoint.Name);
            environment[$"Kestrel__Endpoints__{kestrelName}__Url"] = endpoint.Url;
            if (endpoint.Protocol == EndpointProtocol.Http2)
            {
                environment[$"Kestrel__Endpoints__{kestrelName}__Protocols"] = "Http2";
            }
        }

        foreach (var reference in _references)
        {
            reference.ApplyTo(environment);
        }

        if (PluginManifestPath is not null && HttpEndpoint is { } http)
        {
            environment["Fabrix__Plugin__Address"] = http.Url;
        }

        if (_registrationCredential is not null)
        {
            // Issued (or rotated) by the installation just before the start: the plugin proves its identity with it.
            environment[RegistrationCredentialVariable] = _registrationCredential;
        }

        if (PluginManifest is { CopiedFrom: not null } copy)
        {
            // The plugin registers with the text that was installed, or the registry refuses it (digest mismatch).
            environment[RunManifest.ManifestPathVariable] = copy.Path;
        }

        foreach (var (variable, relativePath) in _dataDirectories)
        {
            environment[variable] = context.DataPath(relativePath);
        }

        foreach (var (name, value) in _environment)
        {
            environment[name] = value;
        }

        return environment;
    }

    public IReadOnlyList<Tool> RequiredTools(RunContext context) => Dotnet(context) is null ? [Tool.Dotnet] : [];

    public Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        var projectFile = ProjectFile(context);
        if (!File.Exists(projectFile))
        {
            throw new AppHostException($"project {ProjectPath} ({Name}) not found in {context.RepositoryRoot}");
        }

        if (PluginManifestPath is not null)
        {
            if (Registry?.Endpoints.Any(e => e.Protocol == EndpointProtocol.Http2) != true)
            {
                throw new AppHostException($"{Name} installs a plugin but references no '{RegistryName}' with a gRPC endpoint; add .WithReference(registry)");
            }

            var manifest = PluginManifestFile.Load(context.RepositoryPath(PluginManifestPath), PluginManifestPath);
            PluginManifest = RunManifest.ForRun(context, Name, manifest, HttpEndpoint, Http2Endpoint);
            DevelopmentAdminToken.WritePublicKeyFile(DevelopmentAdminToken.EnsureKeyFile(context.DevAdminKeyFile), context.DevAdminPublicKeyFile);
        }

        foreach (var (_, relativePath) in _dataDirectories)
        {
            Directory.CreateDirectory(context.DataPath(relativePath));
        }

        return Task.CompletedTask;
    }

    public Task StopLeftoverAsync(RunContext context, CancellationToken cancellationToken) => _process.StopLeftoverAsync(context);

    public async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var dotnet = Dotnet(context) ?? throw new AppHostException(Tool.MissingMessage([Tool.Dotnet]));
        var targetPath = TargetPath ?? throw new InvalidOperationException($"{Name} was not built.");
        if (PluginManifest is not null)
        {
            _registrationCredential = await PluginInstaller.EnsureInstalledAsync(context, RegistryGrpcUrl(), PluginManifest, cancellationToken);
        }

        var environment = BuildEnvironment(context).ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);
        foreach (var inherited in InheritedUrlVariables)
        {
            environment[inherited] = null;
        }

        _process.Start(context, new ChildProcessSpec(dotnet, [targetPath])
        {
            WorkingDirectory = ProjectDirectory(context),
            Environment = environment,
        });
    }

    public async Task WaitUntilReadyAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (HttpEndpoint is { } http)
        {
            var health = new Uri(http.Url + "/health");
            await _process.WaitUntilReadyAsync(context, ct => IsHealthyAsync(health, ct), cancellationToken);
        }
        else
        {
            await _process.WaitUntilReadyAsync(context, _ => Task.FromResult(true), cancellationToken);
        }

        if (PluginManifest is not null)
        {
            await PluginInstaller.WaitUntilActiveAsync(context, Name, RegistryGrpcUrl(), PluginManifest, cancellationToken);
        }
    }

    public Task StopAsync(RunContext context) => _process.StopAsync(context);

    /// <summary>Kestrel endpoint names are configuration keys: <c>grpc</c> becomes <c>Grpc</c>, <c>admin-api</c> <c>AdminApi</c>.</summary>
    public static string KestrelEndpointName(string endpointName) =>
        string.Concat(endpointName.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static async Task<bool> IsHealthyAsync(Uri health, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(health, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The per-request timeout: a service still starting up.
            return false;
        }
    }

    private string? Dotnet(RunContext context) => _dotnet ??= DotnetHost.Locate(context.Executables);

    private string RegistryGrpcUrl() =>
        Registry?.Endpoints.First(e => e.Protocol == EndpointProtocol.Http2).Url
            ?? throw new InvalidOperationException($"{Name} has no registry reference.");

    private ProjectResource AddEndpoint(string name, int port, EndpointProtocol protocol)
    {
        if (_endpoints.Any(e => e.Name == name))
        {
            throw new ArgumentException($"{Name} declares endpoint '{name}' twice.", nameof(name));
        }

        _endpoints.Add(new Endpoint(Name, name, "http", protocol, _resolvePort(Name, name, port)));
        return this;
    }
}
