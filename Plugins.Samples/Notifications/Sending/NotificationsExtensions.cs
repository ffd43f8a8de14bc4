using System.Text.Json.Serialization;
using Fabrix.Plugins.Sdk;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Samples.Notifications.Sending;

/// <summary>The sending feature: <c>POST /api/notifications</c>, delivered to the receiver through the egress proxy.</summary>
internal static class NotificationsExtensions
{
    /// <summary>The egress client's name.</summary>
    public const string Receiver = "receiver";

    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NotificationsOptions>, NotificationsOptionsValidator>();
        builder.Services.AddFabrixEgressClient(Receiver);
        builder.Services.ConfigureHttpJsonOptions(static options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, NotificationsJsonContext.Default));
        return builder;
    }

    public static WebApplication MapNotifications(this WebApplication app)
    {
        app.MapNotificationEndpoints();
        return app;
    }
}

/// <summary>What a caller asks to send.</summary>
/// <param name="Message">The text, 1–2000 characters.</param>
internal sealed record NotificationRequest([property: JsonPropertyName("message")] string? Message);

/// <summary>What the receiver is sent.</summary>
/// <param name="Id">The notification's id.</param>
/// <param name="Message">The text.</param>
/// <param name="Caller">The plugin that asked for it (from its caller context).</param>
internal sealed record OutgoingNotification(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("caller")] string Caller);

/// <summary>The answer to a sent notification.</summary>
/// <param name="Id">The notification's id.</param>
/// <param name="ReceiverStatus">The receiver's HTTP status.</param>
/// <param name="ReceiverBytes">How many bytes the receiver answered with.</param>
internal sealed record NotificationSent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("receiver_status")] int ReceiverStatus,
    [property: JsonPropertyName("receiver_bytes")] int ReceiverBytes);

[JsonSerializable(typeof(NotificationRequest))]
[JsonSerializable(typeof(OutgoingNotification))]
[JsonSerializable(typeof(NotificationSent))]
internal sealed partial class NotificationsJsonContext : JsonSerializerContext;
