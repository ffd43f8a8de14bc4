using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>The real registry in a test server, configured only through configuration keys, as the AppHost does.</summary>
public sealed class RegistryFactory(IReadOnlyDictionary<string, string?> settings, string environment = "Development",
    Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<RegistryApp>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }
}
