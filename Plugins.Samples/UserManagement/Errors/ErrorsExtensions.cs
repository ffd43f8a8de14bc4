namespace Fabrix.Plugins.Samples.UserManagement.Errors;

/// <summary>
/// Every error the sample answers is ProblemDetails without exception details (issue 7 section 8), also in
/// Development: the exception handler runs inside the developer exception page, so that page never sees an exception.
/// A malformed request body keeps its 400 (or 413/415) instead of becoming a 500.
/// </summary>
internal static class ErrorsExtensions
{
    public static WebApplication UseProblemDetailsForErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = static exception => exception is BadHttpRequestException badRequest
                ? badRequest.StatusCode
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }
}
