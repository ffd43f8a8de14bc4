using System.Text;
using Fabrix.Core.Events.Callers;
using Fabrix.Core.Events.Refusals;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Fabrix.Core.Events.Publishing;

/// <summary>
/// <c>POST /events/{type}</c> (issue 11 section 2): the body is the message's protobuf JSON (<c>{"userId":"u-1",...}</c>),
/// <c>{type}</c> its short or full name, the optional <c>Idempotency-Key</c> header the idempotency key. 201 with
/// <c>{"id","sequence","duplicate"}</c> once JetStream stored it (200 for a repeated key); refusals as ProblemDetails
/// with <c>code</c>.
/// </summary>
internal static class HttpPublishEndpoint
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<IResult> PublishAsync(string type, HttpContext context, PluginCallers callers, EventPublisher publisher, IOptions<PublishOptions> options)
    {
        var request = context.Request;
        var traceparent = request.Headers["traceparent"].FirstOrDefault();
        var check = await callers.CheckAsync(request.Headers[HeaderNames.Authorization].FirstOrDefault(), context.RequestAborted);
        if (check.Refusal is { } refused)
        {
            publisher.AuditRefused(check.AuditedPluginId, type, refused, traceparent);
            return refused.ToProblem(context);
        }

        // Every refusal after the token check is a decision about this plugin's publish, and audited like the others.
        IResult Refuse(EventsRefusal refusal)
        {
            publisher.AuditRefused(check.Caller!.PluginId, type, refusal, traceparent);
            return refusal.ToProblem(context);
        }

        if (request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(new EventsRefusal(RefusalCodes.UnsupportedMediaType, "The body must be application/json: the message's protobuf JSON.",
                StatusCodes.Status415UnsupportedMediaType, Grpc.Core.StatusCode.InvalidArgument));
        }

        var limit = options.Value.MaxPayloadBytes;
        if (request.ContentLength > limit)
        {
            return Refuse(TooLarge(limit));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limit;
        }

        string json;
        try
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            json = await reader.ReadToEndAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException)
        {
            return Refuse(TooLarge(limit));
        }

        var key = request.Headers[IdempotencyKeyHeader].FirstOrDefault();
        var outcome = await publisher.PublishAsync(check.Caller!.PluginId, type, new EventPayload(json, null), key, traceparent, context.RequestAborted);
        if (outcome.Refusal is { } refusal)
        {
            return refusal.ToProblem(context);
        }

        var stored = outcome.Stored!;
        var body = new PublishedEvent(stored.EventId, stored.Sequence, stored.Duplicate);
        return stored.Duplicate ? TypedResults.Ok(body) : TypedResults.Created((string?)null, body);
    }

    private static EventsRefusal TooLarge(int limit) => new(RefusalCodes.RequestTooLarge, $"The body is over {limit} bytes.",
        StatusCodes.Status413PayloadTooLarge, Grpc.Core.StatusCode.InvalidArgument);
}

/// <summary>The answer to a stored publish.</summary>
/// <param name="Id">The event id.</param>
/// <param name="Sequence">Its stream sequence.</param>
/// <param name="Duplicate">True when the idempotency key was seen within the dedupe window.</param>
internal sealed record PublishedEvent(string Id, ulong Sequence, bool Duplicate);
