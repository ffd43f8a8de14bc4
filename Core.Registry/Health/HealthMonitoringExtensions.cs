using System.Net;
using Fabrix.Core.Registry.Health;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Health monitoring of active plugins (issue 3 §1): options, probes, the polling loop, history retention.</summary>
internal static class HealthMonitoringExtensions
{
    /// <summary>
    /// Health monitoring as the registry runs it: <see cref="AddHealthMonitoring"/> with the PostgreSQL
    /// <see cref="HealthStore"/> (history, state, audit and the NATS event through the outbox), the watch-stream
    /// <see cref="HealthPublisher"/>, and leadership through a PostgreSQL advisory lock, so that one registry instance
    /// monitors however many run.
    /// </summary>
    public static WebApplicationBuilder AddRegistryHealth(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IHealthStore, HealthStore>();
        builder.Services.TryAddSingleton<IHealthPublisher, HealthPublisher>();
        builder.Services.TryAddSingleton<IHealthLeadership, PostgresHealthLeadership>();
        builder.Services.AddHealthMonitoring();
        return builder;
    }

    /// <summary>
    /// Registers <c>Fabrix:Registry:Health</c> (validated on start), the HTTP and gRPC probes on one named
    /// <see cref="HttpClient"/>, <see cref="HealthMonitor"/> (a singleton and a hosted service: inject it to pass
    /// heartbeats and refresh requests), the history retention service (reporting under <c>background-work</c>), and the
    /// <c>health-monitor</c> health check.
    /// The caller registers <see cref="IHealthStore"/> and <see cref="IHealthPublisher"/>.
    /// </summary>
    public static IServiceCollection AddHealthMonitoring(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        var healthClient = services.AddHttpClient(HealthProbeClient.Name);
        healthClient
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect is not a 200 from the health endpoint; the probe reports it instead of following it.
                AllowAutoRedirect = false,
                UseCookies = false,
                // Plugins are reached inside the platform's network, never through an egress proxy.
                UseProxy = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                EnableMultipleHttp2Connections = true,
            })
            // Nor a trace per probe: transitions are logged, samples stored.
            .AddHttpMessageHandler(UntracedRequests.Handler)
            // The factory's per-request logs (one per probe) would drown the log; transitions are logged instead.
            .RemoveAllLoggers();

        // The monitor counts failures itself (issue 3 thresholds): the service defaults' retrying resilience handler
        // would hide failures and stretch the per-probe timeout. RemoveAllResilienceHandlers is the documented way to
        // opt one client out of ConfigureHttpClientDefaults; it is still marked experimental (EXTEXP0001).
#pragma warning disable EXTEXP0001
        healthClient.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        services.TryAddSingleton<HttpHealthProbe>();
        services.TryAddSingleton<GrpcHealthProbe>();
        services.TryAddSingleton<IHealthProbe, HealthProber>();
        services.TryAddSingleton(_ => new HealthSchedule(Random.Shared));
        services.TryAddSingleton<HealthMonitorLiveness>();
        services.TryAddSingleton<IHealthLeadership, SingleInstanceLeadership>();
        services.TryAddSingleton<HealthMonitor>();
        services.AddHostedService(provider => provider.GetRequiredService<HealthMonitor>());
        services.AddBackgroundWorkHealth();
        services.AddHostedService<HealthHistoryRetention>();
        services.AddHealthChecks().AddCheck<HealthMonitorLiveness>("health-monitor");
        return services;
    }
}
