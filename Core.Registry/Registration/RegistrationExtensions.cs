using Fabrix.Core.Registry.Registration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Plugin registration, token renewal and heartbeats, over REST and gRPC.</summary>
internal static class RegistrationExtensions
{
    public static WebApplicationBuilder AddRegistryRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PluginRegistration>();
        return builder;
    }

    public static WebApplication MapRegistryRegistration(this WebApplication app)
    {
        app.MapRegistrationEndpoints();
        app.MapGrpcService<PluginRegistryService>().RequireRateLimiting(Fabrix.Core.Registry.RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        return app;
    }
}
