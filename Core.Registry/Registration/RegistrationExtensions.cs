using Fabrix.Core.Registry.Credentials;
using Fabrix.Core.Registry.Registration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Plugin registration (with its proof of identity), token renewal and heartbeats, over REST and gRPC; registration credentials; push secrets.</summary>
internal static class RegistrationExtensions
{
    public static WebApplicationBuilder AddRegistryRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PluginRegistration>();
        // Swappable (issue 7): production may register workload identity instead before this runs.
        builder.Services.TryAddSingleton<IRegistrationAuthenticator, RegistrationCredentialAuthenticator>();
        builder.Services.AddSingleton<CredentialAdministration>();
        builder.Services.AddSingleton<PushSecrets>();
        builder.Services.AddOptions<PushSecretOptions>().BindConfiguration(PushSecretOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PushSecretOptions>, PushSecretOptionsValidator>();
        builder.Services.AddSingleton<PushSecretAdministration>();
        return builder;
    }

    public static WebApplication MapRegistryRegistration(this WebApplication app)
    {
        app.MapRegistrationEndpoints();
        app.MapGrpcService<PluginRegistryService>().RequireRateLimiting(Fabrix.Core.Registry.RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        // Core-only (the delivery service's identity, Fabrix:Registry:Webhooks:DeliveryService, default events): push paths
        // and secrets for Core.Events (issue 11 section 3).
        app.MapGrpcService<PushTargetsService>();
        return app;
    }
}
