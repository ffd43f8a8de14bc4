using System.Net.Security;
using Fabrix.Plugins.Sdk.Egress;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Egress clients (issue 12 section 4): a plugin reaches the internet only through the Fabrix egress proxy
/// (Core.Proxy), which allows the hosts of its manifest's <c>allowed_domains</c> and audits every request.
/// <code>
/// builder.Services.AddFabrixEgressClient("hooks");          // HttpClient named "hooks"
/// ...
/// await clients.CreateClient("hooks").PostAsJsonAsync("https://hooks.example.com/notify", message);
/// </code>
/// The proxy's address comes from <see cref="FabrixEgressOptions"/> (validated on start). Needs
/// <see cref="FabrixPluginHostingExtensions.AddFabrixPlugin"/>: the token is the plugin's current one, renewed by the SDK.
/// </summary>
public static class FabrixEgressClientExtensions
{
    /// <summary>
    /// Adds a named <see cref="HttpClient"/> whose every request goes through the egress proxy with this plugin's
    /// current token: <c>http://</c> URLs as proxy requests, <c>https://</c> URLs through a <c>CONNECT</c> tunnel (TLS end
    /// to end). A refusal by the proxy throws <see cref="EgressRefusedException"/> with its reason code; without a token
    /// (registration pending or refused) nothing is sent and <see cref="FabrixNotRegisteredException"/> says why.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name, for <see cref="IHttpClientFactory.CreateClient(string)"/>.</param>
    /// <returns>The client's builder, e.g. to set a base address or add a typed client.</returns>
    public static IHttpClientBuilder AddFabrixEgressClient(this IServiceCollection services, string name) =>
        services.AddFabrixEgressClient(name, configureTls: null);

    /// <summary>
    /// Adds a named egress client (see <see cref="AddFabrixEgressClient(IServiceCollection, string)"/>) and configures the
    /// TLS it runs end to end inside <c>CONNECT</c> tunnels to <c>https://</c> origins: for example a client certificate for
    /// an origin that asks for one, or trust in a partner's private certificate authority
    /// (<see cref="SslClientAuthenticationOptions.CertificateChainPolicy"/> with a custom trust store). The proxy never
    /// sees inside the tunnel, so this changes nothing about what the proxy allows; the target host name is always the
    /// URL's.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name, for <see cref="IHttpClientFactory.CreateClient(string)"/>.</param>
    /// <param name="configureTls">Configures the TLS client options of the client's tunnels; null keeps the defaults.</param>
    /// <returns>The client's builder, e.g. to set a base address or add a typed client.</returns>
    public static IHttpClientBuilder AddFabrixEgressClient(this IServiceCollection services, string name, Action<SslClientAuthenticationOptions>? configureTls)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FabrixEgressOptions>, FabrixEgressOptionsValidator>());
        if (!services.Any(s => s.ServiceType == typeof(EgressOptionsMarker)))
        {
            services.AddSingleton<EgressOptionsMarker>();
            services.AddOptions<FabrixEgressOptions>()
                .BindConfiguration(FabrixEgressOptions.SectionName)
                .Configure(static options => options.ClientsRegistered = true)
                .PostConfigure<IConfiguration>(static (options, configuration) =>
                {
                    if (string.IsNullOrWhiteSpace(options.ProxyAddress))
                    {
                        options.ProxyAddress = configuration[FabrixEgressOptions.ProxyServiceKey];
                    }
                })
                .ValidateOnStart();
        }

        return services.AddHttpClient(name)
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var proxy = new Uri(provider.GetRequiredService<IOptions<FabrixEgressOptions>>().Value.ProxyAddress!, UriKind.Absolute);
                var plugin = provider.GetRequiredService<IFabrixPlugin>();
                SslClientAuthenticationOptions? tls = null;
                if (configureTls is not null)
                {
                    tls = new SslClientAuthenticationOptions();
                    configureTls(tls);
                }

                return new EgressProxyHandler(proxy, () => plugin.Token?.Value
                    ?? throw new FabrixNotRegisteredException(plugin.PluginId, plugin.Registration.Reason, "to reach the internet through the egress proxy"), tls);
            });
    }

    /// <summary>Marks that the egress options are bound, so several clients bind them once.</summary>
    private sealed class EgressOptionsMarker;
}
