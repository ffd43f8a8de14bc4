using System.Runtime.CompilerServices;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>The registry's audit log as the pages see it: pages by token, a verdict, and the queries the pages made.</summary>
internal sealed class FakeAuditCatalog : IAuditCatalog
{
    private readonly Lock _gate = new();

    /// <summary>What a query with a given page token answers (the first page has the empty token).</summary>
    public Dictionary<string, QueryAuditResponse> Pages { get; } = new(StringComparer.Ordinal) { [string.Empty] = new QueryAuditResponse() };

    public List<(AuditFilter Filter, int PageSize, string PageToken)> Queries { get; } = [];

    public VerifyAuditResponse Verdict { get; set; } = new();

    /// <summary>When set, every call fails with it.</summary>
    public RegistryException? Failure { get; set; }

    /// <summary>What an export streams, chunk by chunk.</summary>
    public List<byte[]> ExportChunks { get; } = [];

    public List<(AuditFilter Filter, AuditExportFormat Format)> Exports { get; } = [];

    public int VerifyCalls { get; private set; }

    public Task<QueryAuditResponse> QueryAsync(AuditFilter filter, int pageSize, string pageToken, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Queries.Add((filter.Clone(), pageSize, pageToken));
            return Failure is not null ? throw Failure
                : Task.FromResult(Pages.TryGetValue(pageToken, out var page) ? page : new QueryAuditResponse());
        }
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ExportAsync(
        AuditFilter filter, AuditExportFormat format, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Exports.Add((filter.Clone(), format));
            if (Failure is not null)
            {
                throw Failure;
            }
        }

        foreach (var chunk in ExportChunks)
        {
            await Task.Yield();
            yield return chunk;
        }
    }

    public Task<VerifyAuditResponse> VerifyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            VerifyCalls++;
            return Failure is not null ? throw Failure : Task.FromResult(Verdict);
        }
    }
}
