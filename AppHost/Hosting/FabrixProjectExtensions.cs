using System.Globalization;
using Fabrix.Contracts.Identity;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// How a Fabrix service runs under the AppHost: Development environment, fixed ports on 127.0.0.1 (defaults plus
/// <c>--port-offset</c>, not proxied, so addresses in manifests and registrations are the real ones), Kestrel endpoints
/// by name (a gRPC endpoint speaks HTTP/2 only: h2c needs prior knowledge), healthy when <c>/health</c> answers 200.
/// </summary>
internal static class FabrixProjectExtensions
{
    public const string HttpEndpoint = "http";
    public const string GrpcEndpoint = "grpc";

    public static IResourceBuilder<ProjectResource> AddFabrixProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        // The AppHost declares every endpoint itself (shifted by the port offset): neither the launch profile nor the
        // Kestrel endpoints of the project's appsettings.json (a sample's defaults for running alone) become endpoints.
        builder.AddProject<TProject>(name, options =>
            {
                options.ExcludeLaunchProfile = true;
                options.ExcludeKestrelEndpoints = true;
            })
            // Kestrel gets its endpoints by name below; ASPNETCORE_URLS would add a second, HTTP/1-only listener.
            .WithEndpointsInEnvironment(_ => false)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            // Without it each service waits about 10 s at shutdown for a dashboard that is already gone.
            .WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");

    /// <summary>An HTTP/1.1 endpoint named <paramref name="name"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    public static IResourceBuilder<ProjectResource> WithFabrixHttpEndpoint(this IResourceBuilder<ProjectResource> builder, int port, string name = HttpEndpoint) =>
        builder.WithKestrelEndpoint(name, port, http2Only: false);

    /// <summary>An HTTP/2-only (h2c) endpoint for gRPC.</summary>
    public static IResourceBuilder<ProjectResource> WithFabrixGrpcEndpoint(this IResourceBuilder<ProjectResource> builder, int port, string name = GrpcEndpoint) =>
        builder.WithKestrelEndpoint(name, port, http2Only: true);

    /// <summary>Healthy when <c>GET /health</c> on the HTTP endpoint answers 200 (every dependency reachable).</summary>
    public static IResourceBuilder<ProjectResource> WithFabrixHealthCheck(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithHttpHealthCheck("/health", endpointName: HttpEndpoint);

    /// <summary>
    /// Core services sign administrator calls with the development key; a plugin only checks them (issue 7), so it gets
    /// the public half and could not mint an administrator token if it tried.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentAdminKey(this IResourceBuilder<ProjectResource> builder, FabrixLayout layout, bool publicHalfOnly) =>
        publicHalfOnly
            ? builder.WithEnvironment(DevelopmentAdminToken.PublicKeyFileEnvironmentVariable, layout.DevAdminPublicKeyFile)
            : builder.WithEnvironment(DevelopmentAdminToken.KeyFileEnvironmentVariable, layout.DevAdminKeyFile);

    /// <summary>An environment variable holding a folder under the data root (created before the start).</summary>
    public static IResourceBuilder<ProjectResource> WithDataDirectory(this IResourceBuilder<ProjectResource> builder, FabrixLayout layout, string variable,
        string relativePath) =>
        builder.WithEnvironment(context =>
        {
            var path = layout.DataPath(relativePath);
            Directory.CreateDirectory(path);
            context.EnvironmentVariables[variable] = path;
        });

    /// <summary>The port of the endpoint named <paramref name="name"/> (fixed: not proxied).</summary>
    public static int PortOf(this IResource resource, string name) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name).Port
            ?? throw new InvalidOperationException($"{resource.Name}'s endpoint {name} has no fixed port.");

    public static string UrlOf(this IResource resource, string name) =>
        string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{resource.PortOf(name)}");

    /// <summary>Kestrel endpoint names are configuration keys: <c>grpc</c> becomes <c>Grpc</c>, <c>admin-api</c> <c>AdminApi</c>.</summary>
    public static string KestrelEndpointName(string endpointName) =>
        string.Concat(endpointName.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static IResourceBuilder<ProjectResource> WithKestrelEndpoint(this IResourceBuilder<ProjectResource> builder, string name, int port, bool http2Only)
    {
        var kestrel = KestrelEndpointName(name);
        builder.WithHttpEndpoint(port: port, name: name, isProxied: false)
            .WithEndpoint(name, endpoint => endpoint.TargetHost = "127.0.0.1")
            .WithEnvironment($"Kestrel__Endpoints__{kestrel}__Url", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        return http2Only ? builder.WithEnvironment($"Kestrel__Endpoints__{kestrel}__Protocols", "Http2") : builder;
    }
}
