using Fabrix.Contracts.Identity;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the plugin-token check a lane uses.</summary>
public static class PluginTokenCheckExtensions
{
    /// <summary>Name of the <see cref="HttpClient"/> that fetches the registry's JWKS.</summary>
    public const string JwksHttpClientName = "Fabrix.Core.Lanes.Tokens.Jwks";

    /// <summary>
    /// Adds <see cref="PluginTokenCheck"/> with <see cref="PluginTokenOptions"/> (validated on start). The lane must
    /// also register its <see cref="IPluginTokenPolicy"/>, the view of its policy snapshot.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddPluginTokenCheck<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var registryHttp = builder.Configuration["services:registry:http:0"];
        builder.Services.AddOptions<PluginTokenOptions>()
            .BindConfiguration(PluginTokenOptions.SectionName)
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.JwksAddress) && Uri.TryCreate(registryHttp, UriKind.Absolute, out var registry))
                {
                    options.JwksAddress = new Uri(registry, PluginTokenClaims.JwksPath).ToString();
                }
            })
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PluginTokenOptions>, PluginTokenOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddHttpClient(JwksHttpClientName);
        builder.Services.TryAddSingleton<PluginTokenMetrics>();
        builder.Services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<PluginTokenOptions>>().Value;
            var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(JwksHttpClientName);
            http.Timeout = options.KeyFetchTimeout;
            return new RegistryKeySet(http, new Uri(options.JwksAddress!, UriKind.Absolute), options.KeyRefreshInterval,
                provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<PluginTokenMetrics>(),
                provider.GetRequiredService<ILogger<RegistryKeySet>>());
        });
        builder.Services.TryAddSingleton(provider => new PluginTokenCheck(
            provider.GetRequiredService<RegistryKeySet>(),
            provider.GetRequiredService<IPluginTokenPolicy>(),
            provider.GetRequiredService<IOptions<PluginTokenOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<PluginTokenMetrics>()));
        return builder;
    }
}
