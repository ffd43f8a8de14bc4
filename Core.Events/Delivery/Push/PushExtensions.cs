using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Delivery.Push;
using Fabrix.Core.Lanes.Identity;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>HTTP push delivery to plugins (issue 11 section 3): targets from the registry, one pump per (plugin, type).</summary>
internal static class PushExtensions
{
    public static IHostApplicationBuilder AddPushDelivery(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PushOptions>, PushOptionsValidator>();
        services.AddSingleton<PushSender>();
        services.AddSingleton<PushTargetSource>();
        services.AddSingleton<PushDispatcher>();
        if (builder.Configuration.GetValue($"{PushOptions.SectionName}:{nameof(PushOptions.Enabled)}", true))
        {
            services.AddHostedService(s => s.GetRequiredService<PushDispatcher>());
        }

        // The registry's core-only PushTargets service, called with Core.Events' service token.
        services.AddGrpcClient<PushTargets.PushTargetsClient>((s, client) =>
                client.Address = s.GetRequiredService<IOptions<PolicySnapshotOptions>>().Value.RegistryAddress)
            .AddInterceptor<ServiceTokenInterceptor>(Grpc.Net.ClientFactory.InterceptorScope.Client);
        return builder;
    }
}
