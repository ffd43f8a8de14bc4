using Fabrix.Core.Registry.Credentials;
using Fabrix.Core.Registry.Registration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>Plugin registration (with its proof of identity), token renewal and heartbeats, over REST and gRPC; registration credentials.</summary>
internal static class RegistrationExtensions
{
    public static WebApplicationBuilder AddRegistryRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PluginRegistration>();
        // Swappable (issue 7): production may register workload identity instead before this runs.
        builder.Services.TryAddSingleton<IRegistrationAuthenticator, RegistrationCredentialAuthenticator>();
        builder.Services.AddSingleton<CredentialAdministration>();
        return builder;
    }

    public static WebApplication MapRegistryRegistration(this WebApplication app)
    {
        app.MapRegistrationEndpoints();
        app.MapGrpcService<PluginRegistryService>().RequireRateLimiting(Fabrix.Core.Registry.RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        return app;
    }
}
