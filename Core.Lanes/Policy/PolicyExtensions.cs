using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Lanes.Identity;
using Fabrix.Core.Lanes.Policy;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>The lane's policy snapshot: options, the WatchPolicy client with the service identity, the background watcher, status reports, readiness and metrics.</summary>
public static class PolicyExtensions
{
    /// <summary>Name of the readiness check.</summary>
    public const string HealthCheckName = "policy-snapshot";

    /// <summary>
    /// Adds <see cref="PolicySnapshotClient"/> (a hosted service and a singleton lanes read <see cref="PolicySnapshotClient.Current"/> from),
    /// configured from <c>Fabrix:Lanes:Policy</c>, calling the registry as the service named in <c>Fabrix:Lanes:Identity</c>.
    /// Returns the gRPC client's builder (tests point its handler at an in-memory registry).
    /// </summary>
    public static IHttpClientBuilder AddLanePolicySnapshot(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddLaneServiceIdentity();
        builder.Services.AddOptions<PolicySnapshotOptions>().BindConfiguration(PolicySnapshotOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PolicySnapshotOptions>, PolicySnapshotOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<PolicySnapshotClient>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PolicySnapshotClient>());
        // Status reports to the registry (issue 9 section 6); the audit buffer is read when AddDecisionAudit registered one.
        builder.Services.AddSingleton(services => new LaneStatusReporter(
            services.GetRequiredService<PolicyService.PolicyServiceClient>(),
            services.GetRequiredService<PolicySnapshotClient>(),
            services.GetRequiredService<IOptions<PolicySnapshotOptions>>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LaneStatusReporter>>(),
            services.GetService<Fabrix.Core.Lanes.Audit.DecisionAuditWriter>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<LaneStatusReporter>());
        // The token check (AddPluginTokenCheck) decides from this snapshot too: one snapshot per lane.
        builder.Services.TryAddSingleton<Fabrix.Core.Lanes.Tokens.IPluginTokenPolicy>(services => new Fabrix.Core.Lanes.Tokens.SnapshotTokenPolicy(services.GetRequiredService<PolicySnapshotClient>()));
        builder.Services.AddHealthChecks().AddCheck<PolicySnapshotHealthCheck>(HealthCheckName);
        return builder.Services
            .AddGrpcClient<PolicyService.PolicyServiceClient>((services, client) =>
                client.Address = services.GetRequiredService<IOptions<PolicySnapshotOptions>>().Value.RegistryAddress)
            .AddInterceptor<ServiceTokenInterceptor>(InterceptorScope.Client)
            // HTTP/2 pings find a dead connection under a stream that would otherwise wait forever; the heartbeat-based
            // staleness fails the lane closed meanwhile.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                EnableMultipleHttp2Connections = true,
            });
    }
}
