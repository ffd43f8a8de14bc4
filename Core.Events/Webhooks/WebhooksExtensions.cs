using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Webhooks;
using Fabrix.Core.Lanes.Identity;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Outbound webhooks (issue 11 section 4): endpoints from the registry (read again on its change notices), delivery per endpoint, manual retries, replays.</summary>
internal static class WebhooksExtensions
{
    public static IHostApplicationBuilder AddWebhookDelivery(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookDeliveryOptions>().BindConfiguration(WebhookDeliveryOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookDeliveryOptions>, WebhookDeliveryOptionsValidator>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDeliverer>();
        services.AddSingleton<WebhookTargetSource>();
        services.AddSingleton<WebhookEndpointStates>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookRetryResponder>();
        services.AddSingleton<WebhookChangeListener>();
        services.AddSingleton<WebhookReplayResponder>();
        if (builder.Configuration.GetValue($"{WebhookDeliveryOptions.SectionName}:{nameof(WebhookDeliveryOptions.Enabled)}", true))
        {
            services.AddHostedService(s => s.GetRequiredService<WebhookDispatcher>());
            services.AddHostedService(s => s.GetRequiredService<WebhookRetryResponder>());
            services.AddHostedService(s => s.GetRequiredService<WebhookChangeListener>());
            services.AddHostedService(s => s.GetRequiredService<WebhookReplayResponder>());
        }

        // The registry's core-only WebhookTargets service, called with Core.Events' service token.
        services.AddGrpcClient<WebhookTargets.WebhookTargetsClient>((s, client) =>
                client.Address = s.GetRequiredService<IOptions<PolicySnapshotOptions>>().Value.RegistryAddress)
            .AddInterceptor<ServiceTokenInterceptor>(Grpc.Net.ClientFactory.InterceptorScope.Client);
        return builder;
    }
}
