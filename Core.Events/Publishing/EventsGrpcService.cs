using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Callers;
using Fabrix.Core.Events.Delivery;
using Fabrix.Core.Events.Refusals;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Publishing;

/// <summary>The plugin-facing gRPC service (<c>fabrix.events.v1.Events</c>): publish, batch publish, subscribe.</summary>
internal sealed class EventsGrpcService(PluginCallers callers, EventPublisher publisher, GrpcSubscription subscriptions, IOptions<PublishOptions> options)
    : Contracts.Events.V1.Events.EventsBase
{
    public override async Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context)
    {
        var typeName = EventPublisher.TypeNameOf(request.Data);
        var traceparent = context.RequestHeaders.GetValue("traceparent");
        var caller = await CallerAsync(context, typeName, traceparent);
        var outcome = await publisher.PublishAsync(caller, typeName, new EventPayload(null, request.Data), request.IdempotencyKey, traceparent, context.CancellationToken);
        return outcome.Stored ?? throw outcome.Refusal!.ToRpcException();
    }

    public override async Task<PublishBatchResponse> PublishBatch(PublishBatchRequest request, ServerCallContext context)
    {
        var traceparent = context.RequestHeaders.GetValue("traceparent");
        var caller = await CallerAsync(context, "batch", traceparent);
        if (request.Events.Count == 0 || request.Events.Count > options.Value.MaxBatch)
        {
            var refusal = EventsRefusal.Invalid($"events: a batch holds 1-{options.Value.MaxBatch} events, not {request.Events.Count}.");
            publisher.AuditRefused(caller, "batch", refusal, traceparent);
            throw refusal.ToRpcException();
        }

        var outcomes = await publisher.PublishBatchAsync(caller, request.Events, traceparent, context.CancellationToken);
        var response = new PublishBatchResponse();
        foreach (var outcome in outcomes)
        {
            response.Results.Add(outcome.Stored is { } stored
                ? new PublishResult { Stored = stored }
                : new PublishResult
                {
                    RefusalCode = outcome.Refusal!.Code,
                    Message = outcome.Refusal.Message,
                    RetryAfterMs = outcome.Refusal.RetryAfter is { } retry ? (uint)Math.Ceiling(retry.TotalMilliseconds) : 0,
                    StatusCode = (int)outcome.Refusal.GrpcStatus,
                });
        }

        return response;
    }

    public override async Task Subscribe(IAsyncStreamReader<SubscribeRequest> requestStream, IServerStreamWriter<Contracts.Events.V1.Delivery> responseStream,
        ServerCallContext context)
    {
        var check = await callers.CheckAsync(context.RequestHeaders.GetValue("authorization"), context.CancellationToken);
        if (check.Refusal is { } refusal)
        {
            throw subscriptions.Refused(check.AuditedPluginId, GrpcSubscription.AnyType, refusal);
        }

        await subscriptions.RunAsync(check.Caller!.PluginId, requestStream, responseStream, context);
    }

    /// <summary>The calling plugin's id, or the token refusal (audited) as an RpcException.</summary>
    private async Task<string> CallerAsync(ServerCallContext context, string typeName, string? traceparent)
    {
        var check = await callers.CheckAsync(context.RequestHeaders.GetValue("authorization"), context.CancellationToken);
        if (check.Refusal is { } refusal)
        {
            publisher.AuditRefused(check.AuditedPluginId, typeName, refusal, traceparent);
            throw refusal.ToRpcException();
        }

        return check.Caller!.PluginId;
    }
}
