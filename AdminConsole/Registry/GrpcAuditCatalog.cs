using System.Runtime.CompilerServices;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Registry;

/// <summary><see cref="IAuditCatalog"/> over the registry's <c>AuditLog</c> gRPC service, with the administrator's bearer token.</summary>
internal sealed class GrpcAuditCatalog(AuditLog.AuditLogClient client, RegistryCalls calls) : IAuditCatalog
{
    // Verification reads every row since the first (years of them in a PHI deployment): more than a unary call's usual 30 s.
    private static readonly TimeSpan VerifyDeadline = TimeSpan.FromMinutes(5);

    public Task<QueryAuditResponse> QueryAsync(AuditFilter filter, int pageSize, string pageToken, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.QueryAuditAsync(
                new QueryAuditRequest { Filter = filter, PageSize = pageSize, PageToken = pageToken, NewestFirst = true },
                options).ResponseAsync,
            cancellationToken);

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ExportAsync(
        AuditFilter filter, AuditExportFormat format, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A stream: no deadline, a large export may take as long as it takes; the reader's cancellation ends it.
        using var call = client.ExportAudit(
            new ExportAuditRequest { Filter = filter, Format = format }, await calls.StreamOptionsAsync(cancellationToken));
        while (await RegistryCalls.MoveNextAsync(call.ResponseStream, cancellationToken))
        {
            yield return call.ResponseStream.Current.Data.Memory;
        }
    }

    public Task<VerifyAuditResponse> VerifyAsync(CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.VerifyAuditAsync(new VerifyAuditRequest(), options).ResponseAsync, VerifyDeadline, cancellationToken);
}
