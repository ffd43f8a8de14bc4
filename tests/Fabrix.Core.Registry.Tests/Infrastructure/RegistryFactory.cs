using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>The real registry in a test server, configured only through configuration keys, as the AppHost does.</summary>
public sealed class RegistryFactory(IReadOnlyDictionary<string, string?> settings, string environment = "Development",
    Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<RegistryApp>
{
    private readonly StartupFaults _startupFaults = new();

    /// <summary>Starts the registry expecting it to refuse, and returns the exception that stopped it.</summary>
    public Exception StartupFailure()
    {
        var thrown = Assert.ThrowsAny<Exception>(() => Server);
        return _startupFaults.First ?? thrown;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(_startupFaults);
            if (Environment.GetEnvironmentVariable(FileLog.Variable) is { Length: > 0 } log)
            {
                logging.SetMinimumLevel(LogLevel.Debug);
                logging.AddProvider(new FileLog(log));
            }
        });
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
