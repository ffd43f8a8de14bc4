using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Fabrix.Core.Gateway.Refusals;

/// <summary>The one place a <see cref="GatewayRefusal"/> becomes an HTTP response: ProblemDetails with <c>code</c>.</summary>
internal sealed class RefusalWriter(IProblemDetailsService problemDetails)
{
    public async ValueTask WriteAsync(HttpContext context, GatewayRefusal refusal)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // The target's response is already on its way: all that is left is to cut it short.
            context.Abort();
            return;
        }

        response.Clear();
        response.StatusCode = refusal.Status;
        if (refusal.Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        if (refusal.RetryAfterSeconds is { } seconds)
        {
            response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var details = new ProblemDetails
        {
            Status = refusal.Status,
            Title = TitleOf(refusal.Status),
            Detail = refusal.Detail,
        };
        details.Extensions["code"] = refusal.Code;
        if (refusal.Candidates is { Count: > 0 } candidates)
        {
            details.Extensions["candidates"] = candidates;
        }

        await problemDetails.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details });
    }

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request path is not acceptable.",
        StatusCodes.Status401Unauthorized => "A valid plugin token is required.",
        StatusCodes.Status403Forbidden => "The call is not allowed.",
        StatusCodes.Status404NotFound => "No such target.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status429TooManyRequests => "Too many calls.",
        StatusCodes.Status502BadGateway => "The target did not answer properly.",
        StatusCodes.Status504GatewayTimeout => "The target did not answer in time.",
        _ => "The gateway cannot forward the call now.",
    };
}
