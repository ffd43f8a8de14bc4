using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Microsoft.Extensions.Hosting;

/// <summary>Lifecycle events: transactional outbox relayed to NATS, and the in-process change feed for watchers.</summary>
internal static class OutboxExtensions
{
    public static WebApplicationBuilder AddRegistryOutbox(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();
        builder.Services.AddSingleton<INatsConnection>(services => new NatsConnection(NatsConnectionString.Apply(
            NatsOpts.Default with
            {
                Name = "fabrix-core-registry",
                LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
            },
            services.GetRequiredService<IOptions<ConnectionStringOptions>>().Value.Nats!)));
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<EventOutbox>();
        builder.Services.AddSingleton<PluginChangeBroadcaster>();
        builder.Services.AddBackgroundWorkHealth();
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OutboxRelay>());
        builder.Services.AddHealthChecks().AddCheck<NatsHealthCheck>("nats");
        return builder;
    }
}
