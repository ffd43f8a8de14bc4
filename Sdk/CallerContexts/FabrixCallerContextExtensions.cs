using Fabrix.Contracts.Identity;
using Fabrix.Plugins.Sdk.CallerContexts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Caller contexts (issue 10 section 3): plugins are called only through the Fabrix gateway, which replaces the
/// caller's token with a short-lived caller context for this plugin. With
/// <code>
/// builder.AddFabrixPlugin();
/// builder.AddFabrixCallerContext();
/// var app = builder.Build();
/// app.UseFabrixCallerContext();   // before the endpoints it protects
/// app.MapFabrixPlugin();
/// </code>
/// every request but the health endpoint needs a valid caller context (else 401 ProblemDetails, or gRPC
/// UNAUTHENTICATED), and handlers read the verified caller with <see cref="GetFabrixCaller"/> or an injected
/// <see cref="IFabrixCallerAccessor"/>.
/// </summary>
public static class FabrixCallerContextExtensions
{
    /// <summary>Name of the <see cref="HttpClient"/> that fetches the registry's caller-context keys.</summary>
    public const string KeysHttpClientName = "Fabrix.Plugins.Sdk.CallerContextKeys";

    /// <summary>
    /// Adds the caller-context check: <see cref="FabrixCallerContextOptions"/> (validated on start), the registry's
    /// key set (fetched on first use, cached, refetched on an unknown key id at most every
    /// <see cref="FabrixCallerContextOptions.CallerKeysRefreshInterval"/>) and <see cref="IFabrixCallerAccessor"/>.
    /// Needs <see cref="FabrixPluginHostingExtensions.AddFabrixPlugin"/> (the plugin id is the expected audience).
    /// </summary>
    /// <typeparam name="TBuilder">The host builder, e.g. <c>WebApplicationBuilder</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddFabrixCallerContext<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<FabrixCallerContextOptions>()
            .BindConfiguration(FabrixCallerContextOptions.SectionName)
            .PostConfigure<IConfiguration>(static (options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.CallerKeysAddress)
                    && Uri.TryCreate(configuration[FabrixCallerContextOptions.RegistryHttpServiceKey], UriKind.Absolute, out var registry))
                {
                    options.CallerKeysAddress = new Uri(registry, CallerContextToken.KeysPath).ToString();
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FabrixCallerContextOptions>, FabrixCallerContextOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddHttpContextAccessor();
        services.AddHttpClient(KeysHttpClientName);
        services.TryAddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<FabrixCallerContextOptions>>().Value;
            var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(KeysHttpClientName);
            http.Timeout = options.CallerKeysFetchTimeout;
            return new CallerContextKeys(http, new Uri(options.CallerKeysAddress!, UriKind.Absolute), options.CallerKeysRefreshInterval,
                provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<CallerContextKeys>>());
        });
        services.TryAddSingleton<CallerContextVerifier>();
        services.TryAddSingleton<OpenPaths>();
        services.TryAddSingleton<IFabrixCallerAccessor, FabrixCallerAccessor>();
        return builder;
    }

    /// <summary>
    /// Refuses every request without a valid caller context for this plugin, except the health endpoints
    /// (<c>/health</c>, <c>/alive</c> and the manifest's <c>health_check</c>, matched exactly) and the manifest's <c>events.push_path</c> (Core.Events signs its pushes instead). Place it before the endpoints it protects.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>The same application.</returns>
    /// <exception cref="InvalidOperationException"><see cref="AddFabrixCallerContext"/> was not called.</exception>
    public static IApplicationBuilder UseFabrixCallerContext(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<CallerContextVerifier>() is null)
        {
            throw new InvalidOperationException("UseFabrixCallerContext needs builder.AddFabrixCallerContext() (and builder.AddFabrixPlugin()).");
        }

        return app.UseMiddleware<CallerContextMiddleware>();
    }

    /// <summary>The verified caller of this request.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The caller the request's caller context names.</returns>
    /// <exception cref="InvalidOperationException">The request passed no caller-context check (an open path, or no <see cref="UseFabrixCallerContext"/>).</exception>
    public static CallerContext GetFabrixCaller(this HttpContext context) =>
        TryGetFabrixCaller(context) ?? throw new InvalidOperationException(
            "This request has no verified caller: call app.UseFabrixCallerContext() before the endpoint (the health endpoint has no caller).");

    /// <summary>The verified caller of this request, or null when it passed no caller-context check.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The caller, or null.</returns>
    public static CallerContext? TryGetFabrixCaller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<FabrixCallerFeature>()?.Caller;
    }
}

/// <summary>The verified caller of the current request, for services that are not handed the <see cref="HttpContext"/>.</summary>
public interface IFabrixCallerAccessor
{
    /// <summary>The current request's verified caller, or null outside a request or on an open path.</summary>
    CallerContext? Caller { get; }
}

/// <summary>Reads the caller from the current request (<see cref="IHttpContextAccessor"/>).</summary>
internal sealed class FabrixCallerAccessor(IHttpContextAccessor accessor) : IFabrixCallerAccessor
{
    public CallerContext? Caller => accessor.HttpContext?.TryGetFabrixCaller();
}
