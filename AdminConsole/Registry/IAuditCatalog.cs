using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// The registry's tamper-evident audit log (<c>AuditLog</c> service, issue 3 §4) on behalf of the signed-in
/// administrator; the registry allows it to <c>audit_viewer</c> and <c>admin</c> only. Failures surface as
/// <see cref="RegistryException"/>.
/// </summary>
internal interface IAuditCatalog
{
    /// <summary>
    /// One page of the rows matching <paramref name="filter"/>, newest first. <paramref name="pageToken"/> is empty for
    /// the first page, else the <c>next_page_token</c> of the page before.
    /// </summary>
    Task<QueryAuditResponse> QueryAsync(AuditFilter filter, int pageSize, string pageToken, CancellationToken cancellationToken);

    /// <summary>The matching rows as JSON lines or CSV, in the chunks the registry streams them in.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ExportAsync(AuditFilter filter, AuditExportFormat format, CancellationToken cancellationToken);

    /// <summary>Walks the hash chain and checks it against the latest signed checkpoint.</summary>
    Task<VerifyAuditResponse> VerifyAsync(CancellationToken cancellationToken);
}
