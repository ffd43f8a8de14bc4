using Fabrix.Contracts.Registry.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// The tamper-evident audit log over gRPC (audit.proto <c>AuditLog</c>): <c>audit_viewer</c> or <c>admin</c> only,
/// every call audited. Refusals become statuses in <see cref="Errors.GrpcRefusalInterceptor"/>.
/// </summary>
internal sealed class AuditLogService(AuditAccess access, AuditLogReader reader) : Contracts.Registry.V1.AuditLog.AuditLogBase
{
    public override async Task<QueryAuditResponse> QueryAudit(QueryAuditRequest request, ServerCallContext context)
    {
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AuditActions.QueryAudit, context.CancellationToken);
        return await reader.QueryAsync(caller, request, context.CancellationToken);
    }

    public override async Task ExportAudit(ExportAuditRequest request, IServerStreamWriter<ExportAuditChunk> responseStream, ServerCallContext context)
    {
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AuditActions.ExportAudit, context.CancellationToken);
        await reader.ExportAsync(caller, request,
            chunk => responseStream.WriteAsync(new ExportAuditChunk { Data = ByteString.CopyFrom(chunk.Span) }, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<VerifyAuditResponse> VerifyAudit(VerifyAuditRequest request, ServerCallContext context)
    {
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AuditActions.VerifyAudit, context.CancellationToken);
        var anchors = request.Anchors.Select(AuditLogReader.FromContract).ToList();
        return AuditLogReader.ToResponse(await reader.VerifyAsync(caller, anchors, context.CancellationToken));
    }

    public override async Task ListAuditCheckpoints(ListAuditCheckpointsRequest request, IServerStreamWriter<Contracts.Registry.V1.AuditCheckpoint> responseStream,
        ServerCallContext context)
    {
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AuditActions.ListCheckpoints, context.CancellationToken);
        await reader.ListCheckpointsAsync(caller, checkpoint => responseStream.WriteAsync(AuditLogReader.ToContract(checkpoint), context.CancellationToken),
            context.CancellationToken);
    }
}
