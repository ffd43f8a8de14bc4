using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Events;

/// <summary>Log messages of the SDK's events part (event ids 7060–7079). No message carries a token or event data.</summary>
internal static partial class EventsLog
{
    [LoggerMessage(7060, LogLevel.Information, "Plugin {PluginId} receives events of {Types} from Core.Events")]
    public static partial void SubscriptionOpen(ILogger logger, string pluginId, string types);

    [LoggerMessage(7061, LogLevel.Warning, "Plugin {PluginId} event subscription ended (attempt {Attempt}); opening it again in {Delay}. {Failure}")]
    public static partial void SubscriptionEnded(ILogger logger, string pluginId, int attempt, TimeSpan delay, string failure);

    [LoggerMessage(7062, LogLevel.Error, "Handler of {EventType} failed for event {EventId} (attempt {Attempt}); nacked for redelivery")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string eventType, string eventId, int attempt);

    [LoggerMessage(7063, LogLevel.Debug, "Event {EventId} of {EventType} was already handled in this process; acknowledged without calling the handler")]
    public static partial void AlreadyHandled(ILogger logger, string eventId, string eventType);

    [LoggerMessage(7064, LogLevel.Warning, "Event {EventId} of {EventType} has no handler or cannot be read as that type; nacked")]
    public static partial void Unhandleable(ILogger logger, string eventId, string eventType);

    [LoggerMessage(7065, LogLevel.Warning, "A push to {Path} was refused with 401: {Problem} (webhook-id {EventId})")]
    public static partial void PushRefused(ILogger logger, string path, string problem, string? eventId);

    [LoggerMessage(7066, LogLevel.Information, "Plugin {PluginId} receives events of its mapped types by HTTP push on {Path}")]
    public static partial void PushMapped(ILogger logger, string pluginId, string path);

    [LoggerMessage(7067, LogLevel.Warning, "Event {EventId} of {EventType} came again while its handler still runs; nacked, it comes again after the backoff")]
    public static partial void InProgress(ILogger logger, string eventId, string eventType);
}
