using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Events.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Plugins.Sdk.Events;

/// <summary><see cref="IEventPublisher"/> over Core.Events' gRPC <c>Publish</c>.</summary>
internal sealed class EventPublisher(Contracts.Events.V1.Events.EventsClient client) : IEventPublisher
{
    public async Task<PublishedEvent> PublishAsync<TEvent>(TEvent data, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        where TEvent : IMessage<TEvent>
    {
        ArgumentNullException.ThrowIfNull(data);
        var type = CanonicalEventTypes.Of(data)
            ?? throw new ArgumentException($"{data.Descriptor.FullName} is not a canonical event type (fabrix.canonical.v1).", nameof(data));
        var request = new PublishRequest { Data = Any.Pack(data), IdempotencyKey = idempotencyKey ?? string.Empty };
        try
        {
            var response = await client.PublishAsync(request, cancellationToken: cancellationToken);
            return new PublishedEvent(response.EventId, response.Duplicate, response.Sequence);
        }
        catch (RpcException exception) when (Refusal(type.Name, exception) is { } refused)
        {
            throw refused;
        }
    }

    public async Task<IReadOnlyList<EventPublishResult>> PublishBatchAsync(IReadOnlyList<EventToPublish> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one event.", nameof(events));
        }

        var request = new PublishBatchRequest();
        var types = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var data = events[i]?.Data ?? throw new ArgumentException($"events[{i}] has no data.", nameof(events));
            types[i] = (CanonicalEventTypes.Of(data)
                ?? throw new ArgumentException($"events[{i}]: {data.Descriptor.FullName} is not a canonical event type (fabrix.canonical.v1).", nameof(events))).Name;
            request.Events.Add(new PublishRequest { Data = Any.Pack(data), IdempotencyKey = events[i].IdempotencyKey ?? string.Empty });
        }

        PublishBatchResponse response;
        try
        {
            response = await client.PublishBatchAsync(request, cancellationToken: cancellationToken);
        }
        catch (RpcException exception) when (Refusal(string.Join(", ", types.Distinct(StringComparer.Ordinal)), exception) is { } refused)
        {
            throw refused;
        }

        if (response.Results.Count != events.Count)
        {
            throw new InvalidOperationException($"Core.Events answered {response.Results.Count} results to a batch of {events.Count} events.");
        }

        var results = new EventPublishResult[events.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var result = response.Results[i];
            results[i] = string.IsNullOrEmpty(result.RefusalCode) && result.Stored is { } stored
                ? new EventPublishResult(new PublishedEvent(stored.EventId, stored.Duplicate, stored.Sequence), null)
                : new EventPublishResult(null, new EventRefusedException(types[i], result.RefusalCode,
                    result.StatusCode == 0 ? StatusCode.Unknown : (StatusCode)result.StatusCode, result.Message,
                    result.RetryAfterMs > 0 ? TimeSpan.FromMilliseconds(result.RetryAfterMs) : null));
        }

        return results;
    }

    /// <summary>A refusal carries a google.rpc.ErrorInfo in the Fabrix domain; anything else (transport) stays an RpcException.</summary>
    internal static EventRefusedException? Refusal(string eventType, RpcException exception)
    {
        var status = exception.GetRpcStatus();
        var info = status?.GetDetail<ErrorInfo>();
        if (info is null || info.Domain != RefusalCodes.ErrorDomain)
        {
            return null;
        }

        var retry = status!.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan();
        return new EventRefusedException(eventType, info.Reason, exception.StatusCode, exception.Status.Detail, retry);
    }
}
