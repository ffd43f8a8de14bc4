using Fabrix.Core.Events.Callers;
using Fabrix.Core.Events.Control;
using Fabrix.Core.Events.Delivery;
using Fabrix.Core.Events.Publishing;
using Fabrix.Core.Events.Streams;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Canonical lane: streams, publish (gRPC and HTTP), delivery over a gRPC stream, dead letters, the registry's control requests.</summary>
internal static class EventsExtensions
{
    public static IHostApplicationBuilder AddCanonicalEvents(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StreamOptions>().BindConfiguration(StreamOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StreamOptions>, StreamOptionsValidator>();
        services.AddOptions<PublishOptions>().BindConfiguration(PublishOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublishOptions>, PublishOptionsValidator>();
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EventStreams>();
        services.AddSingleton<PluginCallers>();
        services.AddSingleton<PublishRateLimits>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<SubscriptionConsumers>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<DeliveryEpoch>();
        services.AddSingleton<SubscriptionPump>();
        services.AddSingleton<GrpcSubscription>();
        services.AddHostedService<SubscriptionProvisioner>();
        services.AddOptions<ControlOptions>().BindConfiguration(ControlOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControlOptions>, ControlOptionsValidator>();
        services.AddSingleton<DeadLetterStore>();
        services.AddSingleton<SubscriptionControl>();
        services.AddHostedService<EventsControlService>();
        services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.AddPushDelivery();
        return builder;
    }

    public static WebApplication MapCanonicalEvents(this WebApplication app)
    {
        app.MapGrpcService<EventsGrpcService>();
        app.MapPost("/events/{type}", HttpPublishEndpoint.PublishAsync).WithDisplayName("publish event");
        return app;
    }
}
