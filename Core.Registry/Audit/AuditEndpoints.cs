using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// <c>GET /audit/verify</c> on the HTTP/1.1 endpoint, for scripts and monitoring without a gRPC client: the same walk
/// as gRPC <c>VerifyAudit</c>, the same roles (administrator bearer token with <c>audit_viewer</c> or <c>admin</c>), the
/// same audit row. 200 whether intact or not (the body says which); 401/403 as ProblemDetails (401 titled for an
/// administrator token). Unauthenticated calls are rate limited per client address (<c>RateLimiting/</c>).
/// </summary>
internal static class AuditEndpoints
{
    public const string VerifyPath = "/audit/verify";

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(VerifyPath, VerifyAsync)
            .WithMetadata(new Errors.AuthenticationTitle("An administrator bearer token is required."))
            .RequireRateLimiting(RateLimiting.UnauthenticatedRateLimiting.PolicyName);
        return endpoints;
    }

    private static async Task<JsonHttpResult<AuditVerificationBody>> VerifyAsync(HttpContext httpContext, AuditAccess access, AuditLogReader reader,
        CancellationToken cancellationToken)
    {
        var caller = await access.AuthorizeAsync(httpContext, AuditActions.VerifyAudit, cancellationToken);
        var result = await reader.VerifyAsync(caller, cancellationToken);
        var checkpoint = result.Checkpoint is { } c
            ? new AuditCheckpointBody(c.Number, c.Sequence, c.HeadHash, c.RowCount, AuditChain.FormatTime(c.At), c.KeyId, c.PreviousCheckpointHash,
                c.Version, c.Signature, c.Hash)
            : null;
        return TypedResults.Json(
            new AuditVerificationBody(result.Intact, result.RowsChecked, result.FirstBrokenSequence, result.Problem, checkpoint, result.CheckpointValid,
                result.CheckpointsChecked, result.CheckpointChainValid, result.AnchorStreamChecked, result.AnchorStreamProblem,
                result.StreamAnchorsCompared, result.AnchorFindings.Select(f => new AuditAnchorFindingBody(f.Source, f.Number, f.Kind, f.Problem)).ToList(),
                result.StaleHead, result.RowsAfterLatestCheckpoint, result.LatestCheckpointAgeSeconds),
            AuditJsonContext.Default.AuditVerificationBody);
    }
}

internal sealed record AuditVerificationBody(
    bool Intact,
    long RowsChecked,
    long FirstBrokenSequence,
    string Problem,
    AuditCheckpointBody? LatestCheckpoint,
    bool CheckpointValid,
    long CheckpointsChecked,
    bool CheckpointChainValid,
    bool AnchorStreamChecked,
    string AnchorStreamProblem,
    long StreamAnchorsCompared,
    IReadOnlyList<AuditAnchorFindingBody> AnchorFindings,
    bool StaleHead,
    long RowsAfterLatestCheckpoint,
    long LatestCheckpointAgeSeconds);

internal sealed record AuditCheckpointBody(long Number, long Sequence, string HeadHash, long RowCount, string At, string KeyId,
    string? PreviousCheckpointHash, int Version, string Signature, string CheckpointHash);

internal sealed record AuditAnchorFindingBody(string Source, long Number, string Kind, string Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuditVerificationBody))]
[JsonSerializable(typeof(AuditPageToken))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
