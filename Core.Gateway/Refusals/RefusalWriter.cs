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

    /// <summary>
    /// A refusal of a gRPC call: a trailers-only response (HTTP 200, <c>content-type: application/grpc</c>, no body)
    /// whose headers carry <c>grpc-status</c>, <c>grpc-message</c> and the Fabrix reason code as <c>fabrix-reason</c>
    /// metadata, never an HTML or ProblemDetails body. After the target's response started, the stream is reset.
    /// </summary>
    public static Task WriteGrpcAsync(HttpContext context, GatewayRefusal refusal)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        response.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcContentType;
        var headers = response.Headers;
        headers[GrpcStatusHeader] = GrpcStatusOf(refusal.Status).ToString(CultureInfo.InvariantCulture);
        headers[GrpcMessageHeader] = PercentEncoded(refusal.Detail);
        headers[ReasonHeader] = refusal.Code;
        if (refusal.RetryAfterSeconds is { } seconds)
        {
            headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return Task.CompletedTask;
    }

    /// <summary>The <c>content-type</c> of a gRPC response.</summary>
    public const string GrpcContentType = "application/grpc";

    public const string GrpcStatusHeader = "grpc-status";

    public const string GrpcMessageHeader = "grpc-message";

    /// <summary>Metadata key of the Fabrix reason code on a refused gRPC call.</summary>
    public const string ReasonHeader = "fabrix-reason";

    /// <summary>The gRPC status code (grpc/doc/statuscodes.md) of a refusal with HTTP status <paramref name="status"/>.</summary>
    public static int GrpcStatusOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => 3, // INVALID_ARGUMENT
        StatusCodes.Status401Unauthorized => 16, // UNAUTHENTICATED
        StatusCodes.Status403Forbidden => 7, // PERMISSION_DENIED
        StatusCodes.Status404NotFound => 5, // NOT_FOUND
        StatusCodes.Status409Conflict => 9, // FAILED_PRECONDITION
        StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests => 8, // RESOURCE_EXHAUSTED
        StatusCodes.Status504GatewayTimeout => 4, // DEADLINE_EXCEEDED
        _ => 14, // UNAVAILABLE
    };

    /// <summary><c>grpc-message</c> is percent-encoded: every byte of the UTF-8 text outside 0x20–0x7E, and <c>%</c>.</summary>
    private static string PercentEncoded(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
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
