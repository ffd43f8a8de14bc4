using Fabrix.Core.Lanes.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Microsoft.Extensions.Hosting;

/// <summary>Decision audit for a lane (issue 9 section 4).</summary>
public static class DecisionAuditExtensions
{
    /// <summary>
    /// Adds <see cref="DecisionAuditWriter"/> and its JetStream publisher, <see cref="DecisionItemBatcher"/> (options <c>Fabrix:Lanes:Audit</c>, validated at
    /// start), the <c>Fabrix.Lanes.Audit</c> meter and the <c>decision-audit</c> health check. The lane registers its own
    /// <c>INatsConnection</c> (core service credentials; AddLaneMessaging also adds the audit's own, keyed
    /// <see cref="LaneMessagingExtensions.AuditConnectionKey"/>); the registry owns the stream the records go to.
    /// </summary>
    public static IHostApplicationBuilder AddDecisionAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DecisionAuditOptions>().BindConfiguration(DecisionAuditOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DecisionAuditOptions>, DecisionAuditOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<DecisionAuditMetrics>();
        builder.Services.AddSingleton(services => new DecisionAuditWriter(services.GetRequiredService<IOptions<DecisionAuditOptions>>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<DecisionAuditMetrics>()));
        // On the audit's own connection when AddLaneMessaging registered one, else on the lane's.
        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<DecisionAuditPublisher>(services,
            services.GetKeyedService<INatsConnection>(LaneMessagingExtensions.AuditConnectionKey) ?? services.GetRequiredService<INatsConnection>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<DecisionAuditPublisher>());
        // Registered after the publisher, so it stops first: what it holds is written before the publisher drains.
        builder.Services.AddSingleton<DecisionItemBatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DecisionItemBatcher>());
        builder.Services.AddHealthChecks().AddCheck<DecisionAuditHealthCheck>("decision-audit");
        return builder;
    }
}
