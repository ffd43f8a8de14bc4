using Fabrix.Core.Registry.Events;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Administration of the Canonical lane (issue 11 sections 3 and 5): EventsAdmin, with Core.Events behind NATS control subjects.</summary>
internal static class RegistryEventsExtensions
{
    public static WebApplicationBuilder AddRegistryEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventsAdminOptions>().BindConfiguration(EventsAdminOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EventsAdminOptions>, EventsAdminOptionsValidator>();
        builder.Services.AddSingleton<EventsControlClient>();
        builder.Services.AddSingleton<EventActivity>();
        builder.Services.AddSingleton<EventsAdministration>();
        return builder;
    }

    public static WebApplication MapRegistryEvents(this WebApplication app)
    {
        app.MapGrpcService<EventsAdminService>();
        return app;
    }
}
