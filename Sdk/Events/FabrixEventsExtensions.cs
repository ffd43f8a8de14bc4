using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Manifests;
using Fabrix.Plugins.Sdk.Events;
using Fabrix.Plugins.Sdk.Registration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Canonical events (issue 11 section 3): publish through Core.Events and receive the manifest's subscribed types.
/// <code>
/// builder.AddFabrixPlugin();
/// builder.AddFabrixEvents();
/// var app = builder.Build();
/// app.MapFabrixEvent&lt;UserCreated&gt;(async (created, context) => await accounts.OpenAsync(created.UserId, context.EventId));
/// ...
/// await app.Services.GetRequiredService&lt;IEventPublisher&gt;().PublishAsync(new UserCreated { UserId = "u-42" }, "u-42");
/// </code>
/// Core.Events' address comes from <see cref="FabrixEventsOptions"/> (validated on start).
/// </summary>
public static class FabrixEventsExtensions
{
    /// <summary>Name of the gRPC client (and its <see cref="HttpClient"/>) the SDK talks to Core.Events with.</summary>
    public const string ClientName = "fabrix-events";

    /// <summary>Name of the health check that reports the event subscription.</summary>
    public const string HealthCheckName = "fabrix-events";

    /// <summary>
    /// Adds <see cref="IEventPublisher"/> and the subscriber that delivers the types mapped with
    /// <see cref="MapFabrixEvent{TEvent}"/> (nothing is subscribed when none is mapped). Needs
    /// <see cref="FabrixPluginHostingExtensions.AddFabrixPlugin{TBuilder}"/>: every call carries the plugin's current token.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder of the gRPC client to Core.Events (its primary handler can be replaced, e.g. in tests).</returns>
    public static IHttpClientBuilder AddFabrixEvents<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(s => s.ServiceType == typeof(EventHandlers)))
        {
            return services.AddHttpClient(ClientName);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EventHandlers>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FabrixEventsOptions>, FabrixEventsOptionsValidator>());
        services.AddOptions<FabrixEventsOptions>()
            .BindConfiguration(FabrixEventsOptions.SectionName)
            .PostConfigure<IConfiguration>(static (options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.EventsAddress))
                {
                    options.EventsAddress = configuration[FabrixEventsOptions.EventsServiceKey];
                }
            })
            .ValidateOnStart();
        services.TryAddSingleton<PluginPushSecret>();
        services.AddSingleton<IEventPublisher, EventPublisher>();
        services.AddSingleton<EventSubscriber>();
        services.AddHostedService(static provider => provider.GetRequiredService<EventSubscriber>());
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            HealthCheckName, static provider => provider.GetRequiredService<EventSubscriber>(), failureStatus: null, tags: ["fabrix", "events"]));

#pragma warning disable EXTEXP0001 // Experimental, but the documented way to opt one client out of the defaults.
        return services
            .AddGrpcClient<Contracts.Events.V1.Events.EventsClient>(ClientName, static (provider, client) =>
                client.Address = new Uri(provider.GetRequiredService<IOptions<FabrixEventsOptions>>().Value.EventsAddress!, UriKind.Absolute))
            .ConfigureChannel(static channel => channel.ThrowOperationCanceledOnCancellation = true)
            .AddInterceptor(static provider => new EventsCallInterceptor(provider.GetRequiredService<IFabrixPlugin>()))
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                // The subscription stream stays open for the process's life: keep the HTTP/2 connection alive, and let
                // publishes open a second connection rather than queue behind it.
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            })
            // ServiceDefaults gives every HttpClient the standard resilience handler: its timeouts would cut the
            // subscription stream and its retries would repeat publishes. The subscriber reconnects on its own, and a
            // publish is retried by the caller (with an idempotency key).
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }

    /// <summary>
    /// Maps the handler of one canonical type. Deliveries come at least once; a handler that returns acknowledges the
    /// event, one that throws has it redelivered with backoff (dead-lettered after Core.Events' maximum). With
    /// <c>events.delivery: push</c> in the manifest, the first call also maps <c>POST {events.push_path}</c>, where
    /// Core.Events pushes signed events (the app must be a <c>WebApplication</c>; see Sdk/README.md); otherwise the SDK
    /// receives them over Core.Events' gRPC stream. Within a
    /// process the SDK does not call the handler again for an event id it completed (bounded memory:
    /// <see cref="FabrixEventsOptions.EventsDedupeCapacity"/>); store <see cref="FabrixEventContext.EventId"/> or the
    /// data's natural key idempotently, which is the real guarantee.
    /// </summary>
    /// <typeparam name="TEvent">A canonical message type in the manifest's <c>events.subscribes</c>, e.g. <c>UserCreated</c>.</typeparam>
    /// <param name="app">The built app (before it runs).</param>
    /// <param name="handler">The handler: the event's data and its context.</param>
    /// <returns>The same app.</returns>
    /// <exception cref="InvalidOperationException"><see cref="AddFabrixEvents{TBuilder}"/> was not called, the type is not
    /// subscribed in the manifest, or it already has a handler.</exception>
    public static IHost MapFabrixEvent<TEvent>(this IHost app, Func<TEvent, FabrixEventContext, Task> handler) where TEvent : IMessage<TEvent>, new()
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(handler);
        var handlers = app.Services.GetService<EventHandlers>()
            ?? throw new InvalidOperationException("MapFabrixEvent needs builder.AddFabrixEvents().");
        var type = CanonicalEventTypes.Of(new TEvent())
            ?? throw new InvalidOperationException($"{typeof(TEvent).FullName} is not a canonical event type (fabrix.canonical.v1).");
        var plugin = app.Services.GetRequiredService<IFabrixPlugin>();
        if (!plugin.Manifest.Events.Subscribes.Contains(type.Name, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"Plugin '{plugin.PluginId}' maps a handler for {type.Name}, but its manifest's events.subscribes does not list it: add \"{type.Name}\" there.");
        }

        handlers.Add(new MappedEventHandler(type, (data, context) => data.TryUnpack<TEvent>(out var typed)
            ? handler(typed, context)
            : throw new InvalidDataException($"The event {context.EventId} does not carry a {type.FullName}.")));
        if (plugin.Manifest.Events is { Delivery: EventDelivery.Push, PushPath: { } pushPath } && handlers.MarkPushMapped())
        {
            // Push delivery (issue 11 section 3): Core.Events POSTs to the manifest's push path; one endpoint for every type.
            var endpoints = app as IEndpointRouteBuilder ?? throw new InvalidOperationException(
                $"Plugin '{plugin.PluginId}' receives events by push (events.delivery), which needs a web app: call MapFabrixEvent on the WebApplication.");
            endpoints.MapPost(pushPath, PushEndpoint.HandleAsync).WithDisplayName("Fabrix event push");
            EventsLog.PushMapped(app.Services.GetRequiredService<ILogger<EventSubscriber>>(), plugin.PluginId, pushPath);
        }

        return app;
    }
}
