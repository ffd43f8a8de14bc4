using Fabrix.AdminConsole.Authentication;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Net.Http.Headers;

namespace Fabrix.AdminConsole.Audit;

/// <summary>
/// <c>GET /audit/export?format=csv|jsonl&amp;from&amp;to&amp;actor&amp;action&amp;target&amp;outcome</c>: streams the registry's
/// <c>ExportAudit</c> to the browser as a file download, with the signed-in administrator's token, so a large export
/// never goes through the Blazor circuit. Only <c>audit_viewer</c> and <c>admin</c> (the registry checks the same).
/// </summary>
internal static partial class AuditExportEndpoint
{
    public const string Path = "/audit/export";

    public static WebApplication MapAuditExport(this WebApplication app)
    {
        app.MapGet(Path, ExportAsync).RequireAuthorization(ConsolePolicies.AuditReader);
        return app;
    }

    private static async Task<IResult> ExportAsync(
        HttpContext context, IAuditCatalog audit, AuthenticationStateProvider authenticationState, TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        if (!AuditQuery.TryParse(context.Request.Query, out var query, out var format, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "The export's filters are not valid.");
        }

        // The catalog takes the administrator from the scope's authentication state, as it does in a circuit; here the
        // request's own user is that administrator.
        if (authenticationState is IHostEnvironmentAuthenticationStateProvider host)
        {
            host.SetAuthenticationState(Task.FromResult(new AuthenticationState(context.User)));
        }

        var logger = loggerFactory.CreateLogger(typeof(AuditExportEndpoint));
        var userName = ConsoleUser.From(context.User).Name;
        var cancellationToken = context.RequestAborted;
        await using var chunks = audit.ExportAsync(query.ToFilter(), format, cancellationToken).GetAsyncEnumerator(cancellationToken);

        // Until the first chunk arrives nothing is sent, so a refusal (role, filters, registry down) is a proper error
        // response; after that the status is on the wire and a failure can only abort the download.
        bool hasData;
        try
        {
            hasData = await chunks.MoveNextAsync();
        }
        catch (RegistryException exception)
        {
            LogExportRefused(logger, userName, exception.Status, exception.Message);
            return TypedResults.Problem(
                exception.Message, statusCode: StatusFor(exception.Status), title: "The registry refused the audit export.");
        }

        var extension = format == AuditExportFormat.Csv ? "csv" : "jsonl";
        var fileName = $"fabrix-audit-{timeProvider.GetUtcNow():yyyyMMdd-HHmmss}Z.{extension}";
        context.Response.ContentType = format == AuditExportFormat.Csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        context.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();
        context.Response.Headers.CacheControl = "no-store";
        LogExportStarted(logger, userName, extension);

        long bytes = 0;
        try
        {
            while (hasData)
            {
                await context.Response.Body.WriteAsync(chunks.Current, cancellationToken);
                bytes += chunks.Current.Length;
                hasData = await chunks.MoveNextAsync();
            }
        }
        catch (RegistryException exception)
        {
            // A truncated file must not look complete: abort the connection so the browser reports a failed download.
            LogExportBroken(logger, userName, bytes, exception.Message);
            context.Abort();
        }

        return TypedResults.Empty;
    }

    private static int StatusFor(StatusCode status) => status switch
    {
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Audit export ({Format}) for {UserName}")]
    private static partial void LogExportStarted(ILogger logger, string userName, string format);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "Audit export for {UserName} refused by the registry ({Status}): {Problem}")]
    private static partial void LogExportRefused(ILogger logger, string userName, StatusCode status, string problem);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Warning, Message = "Audit export for {UserName} broke off after {Bytes} bytes: {Problem}")]
    private static partial void LogExportBroken(ILogger logger, string userName, long bytes, string problem);
}
