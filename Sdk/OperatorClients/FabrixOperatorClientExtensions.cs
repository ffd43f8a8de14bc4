using Fabrix.Contracts.Manifests;
using Fabrix.Plugins.Sdk.OperatorClients;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Operator clients (issue 10 section 3): a plugin calls another plugin only through the Fabrix gateway, with its own
/// token, which the gateway checks and replaces with a caller context.
/// <code>
/// builder.Services.AddFabrixOperatorClient("user-management");                         // HttpClient named "user-management"
/// builder.Services.AddFabrixOperatorGrpcClient&lt;UserDirectory.UserDirectoryClient&gt;("user-management");
/// </code>
/// The gateway's address comes from <see cref="FabrixGatewayOptions"/> (validated on start). Needs
/// <see cref="FabrixPluginHostingExtensions.AddFabrixPlugin"/>: the token is the plugin's current one, renewed by the SDK.
/// </summary>
public static class FabrixOperatorClientExtensions
{
    /// <summary>
    /// Adds a named <see cref="HttpClient"/> (name = <paramref name="targetPluginId"/>) whose base address is the
    /// gateway plus <c>/{targetPluginId}/</c>, so <c>GetAsync("api/users/42")</c> calls the target's
    /// <c>/api/users/42</c> (use relative paths without a leading <c>/</c>). Every request carries the plugin's current
    /// token; without one it fails with <see cref="FabrixNotRegisteredException"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="targetPluginId">The plugin to call (a plugin id, lower case).</param>
    /// <returns>The client's builder, e.g. to add a typed client or resilience.</returns>
    public static IHttpClientBuilder AddFabrixOperatorClient(this IServiceCollection services, string targetPluginId)
    {
        ArgumentNullException.ThrowIfNull(services);
        RequirePluginId(targetPluginId);
        AddGatewayOptions(services).Configure(static options => options.HttpClientsRegistered = true);
        return services.AddHttpClient(targetPluginId)
            .ConfigureHttpClient((provider, http) =>
            {
                var gateway = provider.GetRequiredService<IOptions<FabrixGatewayOptions>>().Value.GatewayAddress!;
                http.BaseAddress = new Uri(new Uri(gateway.EndsWith('/') ? gateway : gateway + "/", UriKind.Absolute), targetPluginId + "/");
            })
            .AddHttpMessageHandler(static provider => new PluginTokenHandler(provider.GetRequiredService<IFabrixPlugin>()));
    }

    /// <summary>
    /// Adds the gRPC client <typeparamref name="TClient"/> (Grpc.Net.ClientFactory) pointed at the gateway's gRPC
    /// endpoint, whose every call carries <c>fabrix-target: {targetPluginId}</c> and the plugin's current token; without
    /// a token a call fails with <c>UNAVAILABLE</c>.
    /// </summary>
    /// <typeparam name="TClient">The generated client, e.g. <c>UserDirectory.UserDirectoryClient</c>.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="targetPluginId">The plugin to call.</param>
    /// <returns>The client's builder.</returns>
    public static IHttpClientBuilder AddFabrixOperatorGrpcClient<TClient>(this IServiceCollection services, string targetPluginId) where TClient : ClientBase
    {
        ArgumentNullException.ThrowIfNull(services);
        RequirePluginId(targetPluginId);
        AddGatewayOptions(services).Configure(static options => options.GrpcClientsRegistered = true);
        return services.AddGrpcClient<TClient>((provider, client) =>
                client.Address = new Uri(provider.GetRequiredService<IOptions<FabrixGatewayOptions>>().Value.GatewayGrpcAddress!, UriKind.Absolute))
            .AddInterceptor(provider => new OperatorCallInterceptor(targetPluginId, provider.GetRequiredService<IFabrixPlugin>()));
    }

    /// <summary>
    /// A call invoker for hand-made channels: every call through it carries <c>fabrix-target</c> and the plugin's
    /// current token. <c>new UserDirectory.UserDirectoryClient(channel.CreateFabrixOperatorInvoker(plugin, "user-management"))</c>.
    /// </summary>
    /// <param name="invoker">The invoker of a channel to the gateway's gRPC endpoint (e.g. <c>GrpcChannel.CreateCallInvoker()</c>).</param>
    /// <param name="plugin">This plugin.</param>
    /// <param name="targetPluginId">The plugin to call.</param>
    /// <returns>The intercepting invoker.</returns>
    public static CallInvoker WithFabrixOperatorContext(this CallInvoker invoker, IFabrixPlugin plugin, string targetPluginId)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(plugin);
        RequirePluginId(targetPluginId);
        return Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(invoker, new OperatorCallInterceptor(targetPluginId, plugin));
    }

    private static OptionsBuilder<FabrixGatewayOptions> AddGatewayOptions(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FabrixGatewayOptions>, FabrixGatewayOptionsValidator>());
        if (!services.Any(s => s.ServiceType == typeof(GatewayOptionsMarker)))
        {
            services.AddSingleton<GatewayOptionsMarker>();
            services.AddOptions<FabrixGatewayOptions>()
                .BindConfiguration(FabrixGatewayOptions.SectionName)
                .PostConfigure<IConfiguration>(static (options, configuration) =>
                {
                    if (string.IsNullOrWhiteSpace(options.GatewayAddress))
                    {
                        options.GatewayAddress = configuration[FabrixGatewayOptions.GatewayHttpServiceKey];
                    }

                    if (string.IsNullOrWhiteSpace(options.GatewayGrpcAddress))
                    {
                        options.GatewayGrpcAddress = configuration[FabrixGatewayOptions.GatewayGrpcServiceKey] is { Length: > 0 } grpc ? grpc : options.GatewayAddress;
                    }
                })
                .ValidateOnStart();
        }

        return services.AddOptions<FabrixGatewayOptions>();
    }

    private static void RequirePluginId(string targetPluginId)
    {
        ArgumentNullException.ThrowIfNull(targetPluginId);
        if (PluginIds.Problem(targetPluginId) is { } problem)
        {
            throw new ArgumentException($"The target plugin id {problem}", nameof(targetPluginId));
        }
    }

    /// <summary>Marks that the gateway options are bound, so several clients bind them once.</summary>
    private sealed class GatewayOptionsMarker;
}
