using System.Globalization;
using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Plugins.Sdk.Registration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Events;

/// <summary>
/// The push endpoint <c>MapFabrixEvent</c> maps for a plugin whose manifest declares <c>events.delivery: push</c>
/// (issue 11 section 3): <c>POST {events.push_path}</c> with Core.Events' CloudEvents JSON. The Standard Webhooks
/// signature is checked first with the push secret from registration or renewal, or the one a rotation just replaced
/// (<see cref="PluginPushSecret.Keys"/>; <see cref="WebhookSignature.Verify"/>: any
/// <c>v1</c> entry, constant-time comparison, 5-minute tolerance both ways); a bad, stale or missing signature is 401
/// and no handler runs. Then the event goes through the same path as a streamed delivery
/// (<see cref="EventSubscriber.HandleAsync"/>: the handler in a new scope, the per-process dedupe by event id): 204 once
/// the handler returned (or the id was already handled), 500 when it threw or no handler is mapped, so Core.Events
/// redelivers with its backoff and dead-letters after its maximum.
/// </summary>
internal static class PushEndpoint
{
    /// <summary>The largest push body read: Core.Events' largest payload (1 MiB) as JSON, with room for the envelope.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>The header carrying the delivery attempt (1 for the first delivery).</summary>
    public const string AttemptHeader = "Fabrix-Delivery-Attempt";

    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(HttpContext context, EventSubscriber subscriber, EventHandlers handlers,
        PluginPushSecret secret, TimeProvider timeProvider, ILogger<EventSubscriber> logger)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var keys = secret.Keys();
        if (keys.Count == 0)
        {
            return TypedResults.Problem("This plugin has no push secret yet (it is not registered with a push manifest); retry later.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return TypedResults.Problem($"A push body is at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var body = await ReadAsync(context.Request.Body, context.RequestAborted);
        if (body is null)
        {
            return TypedResults.Problem($"A push body is at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var headers = context.Request.Headers;
        string? id = headers[WebhookSignature.IdHeader];
        // After a rotation, the new secret or the one it replaced (PluginPushSecret); only a signature mismatch is worth
        // trying the other key for: the rest does not depend on the key.
        var verification = WebhookVerification.InvalidSignature;
        var now = timeProvider.GetUtcNow();
        foreach (var key in keys)
        {
            verification = WebhookSignature.Verify(key, id, headers[WebhookSignature.TimestampHeader], headers[WebhookSignature.SignatureHeader], body, now);
            if (verification != WebhookVerification.InvalidSignature)
            {
                break;
            }
        }

        if (verification != WebhookVerification.Valid)
        {
            var problem = WebhookSignature.Describe(verification);
            EventsLog.PushRefused(logger, path, problem, id);
            return TypedResults.Problem($"The push is not signed by Core.Events: {problem}.", statusCode: StatusCodes.Status401Unauthorized);
        }

        Contracts.Canonical.V1.CanonicalEvent envelope;
        try
        {
            envelope = CloudEventJson.Read(Encoding.UTF8.GetString(body));
        }
        catch (Exception exception) when (exception is FormatException or JsonException or InvalidOperationException)
        {
            return TypedResults.Problem($"The push body is not a canonical CloudEvents JSON event: {exception.Message}", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!string.Equals(envelope.Id, id, StringComparison.Ordinal))
        {
            return TypedResults.Problem("The event id differs from the webhook-id header.", statusCode: StatusCodes.Status400BadRequest);
        }

        var attempt = uint.TryParse(headers[AttemptHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : 1;
        var settle = await subscriber.HandleAsync(new Delivery { Event = envelope, Attempt = attempt }, handlers.Freeze(), context.RequestAborted);
        return settle.KindCase == SubscribeRequest.KindOneofCase.Ack
            ? TypedResults.NoContent()
            : TypedResults.Problem($"The event was not handled ({settle.Nack.Reason}); Core.Events redelivers it.", statusCode: StatusCodes.Status500InternalServerError);
    }

    private static async Task<byte[]?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
