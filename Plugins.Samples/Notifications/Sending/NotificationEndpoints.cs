using Fabrix.Plugins.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Samples.Notifications.Sending;

/// <summary>
/// <c>POST /api/notifications</c>: sends <c>{"id","message","caller"}</c> to the receiver with the SDK's egress client
/// (through Core.Proxy, with this plugin's token). 200 <see cref="NotificationSent"/>; 400 ValidationProblem for a
/// missing or overlong message; 502 when the proxy refused (<c>code</c> = <c>EGRESS_REFUSED</c>, <c>reason</c> = the
/// proxy's reason code) or the receiver failed; 503 while the plugin is not registered.
/// </summary>
internal static class NotificationEndpoints
{
    public static RouteGroupBuilder MapNotificationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var notifications = endpoints.MapGroup("/api/notifications").WithTags("Notifications");
        notifications.MapPost("/", SendAsync).WithName("SendNotification");
        return notifications;
    }

    private static async Task<Results<Ok<NotificationSent>, ValidationProblem, ProblemHttpResult>> SendAsync(NotificationRequest request, HttpContext context,
        IHttpClientFactory clients, IOptions<NotificationsOptions> options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Message) || request.Message.Length > 2000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["message"] = ["Required, 1-2000 characters."] });
        }

        var notification = new OutgoingNotification(Guid.NewGuid().ToString("N"), request.Message, context.GetFabrixCaller().PluginId);
        try
        {
            using var response = await clients.CreateClient(NotificationsExtensions.Receiver)
                .PostAsJsonAsync(options.Value.ReceiverUrl, notification, NotificationsJsonContext.Default.OutgoingNotification, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? TypedResults.Ok(new NotificationSent(notification.Id, (int)response.StatusCode, body.Length))
                : TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The receiver failed", detail: $"The receiver answered {(int)response.StatusCode}.");
        }
        catch (EgressRefusedException refused)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The egress proxy refused the notification", detail: refused.Message,
                extensions: new Dictionary<string, object?> { ["code"] = "EGRESS_REFUSED", ["reason"] = refused.ReasonCode });
        }
        catch (FabrixNotRegisteredException notRegistered)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Notifications is not registered yet", detail: notRegistered.Message);
        }
        catch (HttpRequestException failed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The receiver could not be reached", detail: failed.Message);
        }
    }
}
