using Fabrix.AppHost.Hosting;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Fabrix.AppHost.Plugins;

/// <summary>
/// <c>WithPluginInstallation</c>: a sample plugin is installed through the registry's administrator API right before
/// each start (after the registry is healthy: the plugin waits for it), as an administrator would, and gets its
/// registration credential (issued by the install, or rotated when this manifest was installed by an earlier run) in
/// <c>Fabrix__Plugin__RegistrationCredential</c>. The plugin is healthy when its <c>/health</c> answers and the registry
/// reports it active.
/// </summary>
internal static class PluginInstallation
{
    public const string RegistrationCredentialVariable = "Fabrix__Plugin__RegistrationCredential";
    public const string AddressVariable = "Fabrix__Plugin__Address";

    public static IResourceBuilder<ProjectResource> WithPluginInstallation(this IResourceBuilder<ProjectResource> plugin, string manifestPath,
        IResourceBuilder<ProjectResource> registry, FabrixLayout layout)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(layout);
        var declared = PluginManifestFile.Load(Path.Combine(layout.RepositoryRoot, manifestPath), manifestPath);
        var resource = plugin.Resource;
        var http = resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == FabrixProjectExtensions.HttpEndpoint)?.Port;
        var http2 = resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == FabrixProjectExtensions.GrpcEndpoint)?.Port;
        var manifest = RunManifest.ForRun(layout, resource.Name, declared, http, http2);
        var registryGrpc = registry.Resource.UrlOf(FabrixProjectExtensions.GrpcEndpoint);

        var activeCheck = $"{resource.Name}-active";
        plugin.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(activeCheck,
            services => new PluginActiveCheck(registryGrpc, manifest, InstallContextFrom(services, layout)), failureStatus: null, tags: null));

        return plugin
            .WithEnvironment(AddressVariable, resource.UrlOf(FabrixProjectExtensions.HttpEndpoint))
            .WithEnvironment(async context =>
            {
                if (manifest is { CopiedFrom: not null })
                {
                    // The plugin registers with the text that was installed, or the registry refuses it (digest mismatch).
                    context.EnvironmentVariables[RunManifest.ManifestPathVariable] = manifest.Path;
                }

                if (!context.ExecutionContext.IsRunMode)
                {
                    return;
                }

                var install = InstallContextFrom(context.ExecutionContext.Services, layout);
                if (manifest.CopiedWithPort is { } ports)
                {
                    InstallLog.HealthCheckPortMoved(install.Logger, manifest.PluginId, ports.Run, ports.Declared);
                }

                context.EnvironmentVariables[RegistrationCredentialVariable] =
                    await PluginInstaller.EnsureInstalledAsync(install, registryGrpc, manifest, context.CancellationToken);
            })
            .WithHealthCheck(activeCheck);
    }

    private static InstallContext InstallContextFrom(IServiceProvider services, FabrixLayout layout) =>
        new(layout, services.GetRequiredService<ILoggerFactory>().CreateLogger("Fabrix.AppHost.Plugins"), TimeProvider.System);

    /// <summary>Healthy once the registry reports the plugin active (a disabled plugin is reported as such, not as down).</summary>
    private sealed class PluginActiveCheck(string registryGrpc, PluginManifestFile manifest, InstallContext context) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext healthContext, CancellationToken cancellationToken = default)
        {
            try
            {
                var status = (await PluginInstaller.GetAsync(context, registryGrpc, manifest, cancellationToken))?.Summary?.Status ?? PluginStatus.Unspecified;
                return status switch
                {
                    PluginStatus.Active => HealthCheckResult.Healthy($"{manifest.PluginId} is active in the registry"),
                    PluginStatus.Disabled => HealthCheckResult.Degraded($"{manifest.PluginId} is disabled in the registry (an administrator disabled it); enable it in the console"),
                    _ => HealthCheckResult.Unhealthy($"{manifest.PluginId} is {status} in the registry"),
                };
            }
            catch (AppHostException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}
