using Fabrix.Core.Registry;
using Fabrix.Core.Registry.Lifecycle;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Installations, versioned manifests and the lifecycle journal; the <c>Fabrix:Registry</c> options.</summary>
internal static class PluginsExtensions
{
    public static WebApplicationBuilder AddRegistryPlugins(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddRegistryOptions();
        builder.Services.AddSingleton<LifecycleJournal>();
        return builder;
    }

    /// <summary>Binds and validates <c>Fabrix:Registry</c> once, whichever feature asks first.</summary>
    internal static IServiceCollection TryAddRegistryOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<RegistryOptions>)))
        {
            return services;
        }

        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistryOptions>, RegistryOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
