using Fabrix.Core.Registry.ServiceIdentity;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Core service identity: the trusted service keys, the check of service tokens and the published caller-context keys.</summary>
internal static class ServiceIdentityExtensions
{
    public static WebApplicationBuilder AddRegistryServiceIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServiceIdentityOptions>().BindConfiguration(ServiceIdentityOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServiceIdentityOptions>, ServiceIdentityOptionsValidator>();
        builder.Services.AddSingleton<ServiceIdentityAuthenticator>();
        builder.Services.AddSingleton<CallerContextKeys>();
        return builder;
    }

    /// <summary>Publishes the caller-context keys (<see cref="CallerContextKeysEndpoint"/>).</summary>
    public static WebApplication MapRegistryServiceIdentity(this WebApplication app)
    {
        app.MapCallerContextKeys();
        return app;
    }
}
