using Fabrix.AdminConsole.Plugins;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fabrix.AdminConsole.Registry;

/// <summary>Registers the console's only ways to the registry: the typed <c>RegistryAdmin</c>, <c>AuditLog</c>, <c>PolicyAdmin</c>, <c>EventsAdmin</c> and <c>WebhooksAdmin</c> gRPC clients.</summary>
internal static class RegistryClientExtensions
{
    public static WebApplicationBuilder AddRegistryClient(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IValidateOptions<RegistryClientOptions>, RegistryClientOptionsValidator>();
        builder.Services.AddOptions<RegistryClientOptions>()
            .Configure<IConfiguration>((options, configuration) =>
                options.GrpcAddress = configuration[RegistryClientOptions.GrpcAddressKey])
            .ValidateOnStart();

        AddRegistryGrpcClient<RegistryAdmin.RegistryAdminClient>(builder.Services);
        AddRegistryGrpcClient<AuditLog.AuditLogClient>(builder.Services);
        AddRegistryGrpcClient<Fabrix.Contracts.Policy.V1.PolicyAdmin.PolicyAdminClient>(builder.Services);
        AddRegistryGrpcClient<Fabrix.Contracts.Events.V1.EventsAdmin.EventsAdminClient>(builder.Services);
        AddRegistryGrpcClient<Fabrix.Contracts.Events.V1.WebhooksAdmin.WebhooksAdminClient>(builder.Services);

        builder.Services.AddScoped<RegistryCalls>();
        builder.Services.AddScoped<IPluginCatalog, GrpcPluginCatalog>();
        builder.Services.AddScoped<IAuditCatalog, GrpcAuditCatalog>();
        builder.Services.AddScoped<Fabrix.AdminConsole.Lanes.ILaneCatalog, Fabrix.AdminConsole.Lanes.GrpcLaneCatalog>();
        builder.Services.AddScoped<Fabrix.AdminConsole.Lanes.IEgressCatalog, Fabrix.AdminConsole.Lanes.GrpcEgressCatalog>();
        builder.Services.AddScoped<Fabrix.AdminConsole.Events.IEventsCatalog, Fabrix.AdminConsole.Events.GrpcEventsCatalog>();
        builder.Services.AddScoped<Fabrix.AdminConsole.Webhooks.IWebhooksCatalog, Fabrix.AdminConsole.Webhooks.GrpcWebhooksCatalog>();
        builder.Services.AddScoped<PluginFeed>();
        return builder;
    }

    private static void AddRegistryGrpcClient<TClient>(IServiceCollection services)
        where TClient : class
    {
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to opt one client out of the defaults.
        services
            .AddGrpcClient<TClient>((provider, options) =>
                options.Address = provider.GetRequiredService<IOptions<RegistryClientOptions>>().Value.Address)
            .ConfigureChannel(channel => channel.ThrowOperationCanceledOnCancellation = true)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The watch stream stays open for the whole circuit: keep the HTTP/2 connection alive and let
                // other calls open a second connection rather than queue behind the stream limit.
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            })
            // ServiceDefaults gives every HttpClient the standard resilience handler; its request timeouts would cut
            // the long-lived watch and export streams and its retries would replay non-idempotent calls such as
            // InstallPlugin. The watch reconnects on its own (PluginFeed); other failures are shown to the administrator.
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
