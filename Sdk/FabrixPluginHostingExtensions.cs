using Fabrix.Plugins.Sdk.Health;
using Fabrix.Plugins.Sdk.Heartbeat;
using Fabrix.Plugins.Sdk.Options;
using Fabrix.Plugins.Sdk.Registration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Turns an ASP.NET Core app into a Fabrix plugin:
/// <code>
/// builder.AddFabrixPlugin();
/// var app = builder.Build();
/// app.MapFabrixPlugin();
/// </code>
/// </summary>
public static class FabrixPluginHostingExtensions
{
    /// <summary>Path of the plugin's health endpoint (the manifest's <c>health_check.path</c> should name it).</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>
    /// Route order of the SDK's <c>/health</c>: after the default (0), so a <c>/health</c> the app maps itself wins
    /// instead of making the route ambiguous.
    /// </summary>
    private const int HealthEndpointOrder = 1_000;

    /// <summary>
    /// Adds the plugin runtime. When the host starts it reads and validates the manifest (failing the start with every
    /// error if it is invalid) and validates <see cref="FabrixPluginOptions"/>; once the server listens it registers
    /// with the registry over gRPC, retrying with backoff, then renews the token before it expires and sends
    /// heartbeats. Inject <see cref="IFabrixPlugin"/> for the plugin's identity, registration state and token.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder, e.g. <c>WebApplicationBuilder</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddFabrixPlugin<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<FabrixPluginOptions>()
            .BindConfiguration(FabrixPluginOptions.SectionName)
            .PostConfigure<IConfiguration>(static (options, configuration) =>
            {
                // An explicit Fabrix:Plugin:RegistryAddress wins over what an orchestrator injects.
                if (string.IsNullOrWhiteSpace(options.RegistryAddress))
                {
                    options.RegistryAddress = configuration[FabrixPluginOptions.RegistryServiceKey];
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FabrixPluginOptions>, FabrixPluginOptionsValidator>());

        services.TryAddSingleton<FabrixPluginContext>();
        services.TryAddSingleton<IFabrixPlugin>(static provider => provider.GetRequiredService<FabrixPluginContext>());
        services.TryAddSingleton<RegistryClient>();
        services.TryAddSingleton<PluginPushSecret>();
        services.AddHostedService<PluginRegistrationService>();
        services.AddHostedService<PluginHeartbeatService>();

        services.AddHealthChecks();
        services.Configure<HealthCheckOptions>(static options => options.ResponseWriter = PluginHealthResponse.WriteAsync);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c>, answering <c>{"status":"healthy","plugin":"…","registration":"registered|pending|refused",
    /// "uptime_seconds":…}</c> from the app's health checks and the registration state. When the app maps
    /// <c>/health</c> itself (for example ServiceDefaults' <c>MapDefaultEndpoints</c>), its endpoint wins and still
    /// answers in this format, because <see cref="AddFabrixPlugin"/> sets the default health response writer.
    /// </summary>
    /// <param name="endpoints">The app's endpoint route builder.</param>
    /// <returns>The convention builder of the health endpoint.</returns>
    public static IEndpointConventionBuilder MapFabrixPlugin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapHealthChecks(HealthEndpointPath)
            .WithOrder(HealthEndpointOrder)
            .WithDisplayName("Fabrix plugin health");
    }
}
