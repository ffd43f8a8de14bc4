using Fabrix.Core.Registry.BackgroundWork;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>The registry's background loops report to one <see cref="BackgroundWorkHealth"/>, the <c>background-work</c> check.</summary>
internal static class BackgroundWorkExtensions
{
    /// <summary>Registers <see cref="BackgroundWorkHealth"/> and its health check once, whichever feature asks first.</summary>
    public static IServiceCollection AddBackgroundWorkHealth(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(BackgroundWorkHealth)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BackgroundWorkHealth>();
        services.AddHealthChecks().AddCheck<BackgroundWorkHealth>("background-work");
        return services;
    }
}
