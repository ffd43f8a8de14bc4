using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Fabrix.Core.Registry.Errors;

/// <summary>
/// The one place where refusals become HTTP responses: ProblemDetails with a <c>detail</c> naming the reason and a
/// <c>code</c>; validation refusals as 400 with an <c>errors</c> dictionary keyed by JSON path; an <see cref="Outage"/> as
/// 503 naming the dependency, with <c>Retry-After</c>.
/// </summary>
internal sealed partial class RefusalProblemDetailsHandler(IProblemDetailsService problemDetails, ILogger<RefusalProblemDetailsHandler> logger) : IExceptionHandler
{
    /// <summary>What a 503 suggests: about the time a restarted PostgreSQL or NATS takes to accept connections again.</summary>
    private const string RetryAfterSeconds = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Outage.From(exception) is { } outage)
        {
            LogOutage(logger, exception, httpContext.Request.Path, outage.Dependency);
            return await WriteOutageAsync(httpContext, exception, outage);
        }

        if (exception is not RegistryRefusalException { Refusal: var refusal })
        {
            return false;
        }

        var status = StatusOf(refusal.Kind);
        ProblemDetails details = refusal.Kind == RefusalKind.InvalidArgument
            ? new HttpValidationProblemDetails(refusal.Violations
                .GroupBy(v => v.Field, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(v => v.Description).ToArray(), StringComparer.Ordinal))
            {
                Title = "The request is invalid.",
            }
            : new ProblemDetails
            {
                // A registration proves itself with its credential, not a token; an endpoint may name the token it wants.
                Title = refusal.Code == RefusalCodes.InvalidRegistrationCredential
                    ? "A valid registration credential is required."
                    : refusal.Kind == RefusalKind.Unauthenticated && (httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint())?.Metadata.GetMetadata<AuthenticationTitle>() is { } title
                        ? title.Title
                        : TitleOf(refusal.Kind),
            };
        details.Status = status;
        details.Detail = refusal.Reason;
        details.Extensions["code"] = refusal.Code;

        httpContext.Response.StatusCode = status;
        if (refusal.Kind == RefusalKind.Unauthenticated)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = details,
            Exception = exception,
        });
    }

    private async ValueTask<bool> WriteOutageAsync(HttpContext httpContext, Exception exception, Outage outage)
    {
        var details = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The registry is temporarily unavailable.",
            Detail = outage.Message,
        };
        details.Extensions["code"] = outage.Code;
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = details,
            Exception = exception,
        });
    }

    [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "{Path} failed: the {Dependency} is unreachable; answered 503")]
    private static partial void LogOutage(ILogger logger, Exception exception, string path, Dependency dependency);

    private static int StatusOf(RefusalKind kind) => kind switch
    {
        RefusalKind.InvalidArgument => StatusCodes.Status400BadRequest,
        RefusalKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        RefusalKind.PermissionDenied => StatusCodes.Status403Forbidden,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.FailedPrecondition or RefusalKind.AlreadyExists => StatusCodes.Status409Conflict,
        RefusalKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        RefusalKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string TitleOf(RefusalKind kind) => kind switch
    {
        RefusalKind.Unauthenticated => "A valid plugin token is required.",
        RefusalKind.PermissionDenied => "The registry refused the request.",
        RefusalKind.NotFound => "No such plugin.",
        RefusalKind.FailedPrecondition => "The plugin's lifecycle does not allow this.",
        RefusalKind.AlreadyExists => "The plugin is already installed.",
        RefusalKind.UnsupportedMediaType => "The request body must be application/json.",
        RefusalKind.TooLarge => "The request body is too large.",
        _ => "The request failed.",
    };
}

/// <summary>
/// Endpoint metadata naming who must authenticate, used as the title of a 401 (default: a plugin token). The audit
/// endpoints say "administrator" (issue 7 section 9).
/// </summary>
internal sealed record AuthenticationTitle(string Title);
