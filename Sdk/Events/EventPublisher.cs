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
