using Fabrix.Core.Registry.Webhooks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Outbound webhooks (issue 11 section 4): WebhooksAdmin for administrators, WebhookTargets for Core.Events, change notices to Core.Events.</summary>
internal static class WebhooksExtensions
{
    public static WebApplicationBuilder AddRegistryWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        builder.Services.AddSingleton<WebhookSecrets>();
        builder.Services.AddSingleton<WebhookChangeNotifier>();
        builder.Services.AddHostedService(s => s.GetRequiredService<WebhookChangeNotifier>());
        return builder;
    }

    public static WebApplication MapRegistryWebhooks(this WebApplication app)
    {
        app.MapGrpcService<WebhooksAdminService>();
        app.MapGrpcService<WebhookTargetsService>();
        return app;
    }
}
