using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// <c>GET /audit/verify</c> on the HTTP/1.1 endpoint, for scripts and monitoring without a gRPC client: the same walk
/// as gRPC <c>VerifyAudit</c>, the same roles (administrator bearer token with <c>audit_viewer</c> or <c>admin</c>), the
/// same audit row. 200 whether intact or not (the body says which); 401/403 as ProblemDetails.
/// </summary>
internal static class AuditEndpoints
{
    public const string VerifyPath = "/audit/verify";

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(VerifyPath, VerifyAsync);
        return endpoints;
    }

    private static async Task<JsonHttpResult<AuditVerificationBody>> VerifyAsync(HttpContext httpContext, AuditAccess access, AuditLogReader reader,
        CancellationToken cancellationToken)
    {
        var caller = await access.AuthorizeAsync(httpContext, AuditActions.VerifyAudit, cancellationToken);
        var result = await reader.VerifyAsync(caller, cancellationToken);
        var checkpoint = result.Checkpoint is { } c
            ? new AuditCheckpointBody(c.Sequence, c.HeadHash, c.RowCount, AuditChain.FormatTime(c.At), c.KeyId, c.Signature)
            : null;
        return TypedResults.Json(
            new AuditVerificationBody(result.Intact, result.RowsChecked, result.FirstBrokenSequence, result.Problem, checkpoint, result.CheckpointValid),
            AuditJsonContext.Default.AuditVerificationBody);
    }
}

internal sealed record AuditVerificationBody(
    bool Intact,
    long RowsChecked,
    long FirstBrokenSequence,
    string Problem,
    AuditCheckpointBody? LatestCheckpoint,
    bool CheckpointValid);

internal sealed record AuditCheckpointBody(long Sequence, string HeadHash, long RowCount, string At, string KeyId, string Signature);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuditVerificationBody))]
[JsonSerializable(typeof(AuditPageToken))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
