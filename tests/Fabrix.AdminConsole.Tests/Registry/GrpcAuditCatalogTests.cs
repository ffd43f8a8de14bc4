using System.Text;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AdminConsole.Tests.Registry;

/// <summary>The console's <c>AuditLog</c> client against the registry stand-in: what it sends and how answers come back.</summary>
public sealed class GrpcAuditCatalogTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fabrix-console-audit-grpc-").FullName;
    private RegistryStandInServer? _server;
    private WebApplication? _console;

    public async ValueTask InitializeAsync()
    {
        var keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_folder, "dev-admin.pem"));
        _server = await RegistryStandInServer.StartAsync(TestContext.Current.CancellationToken);
        _console = ConsoleServices.Build(_server.Address, keyFile, "carol", AdminRoles.AuditViewer);
    }

    [Fact]
    public async Task QueryAsync_FilterAndPageToken_AreSentNewestFirstWithTheBearer()
    {
        _server!.AuditLog.Page = new QueryAuditResponse { Records = { new AuditRecord { Sequence = 7 } }, NextPageToken = "after-7", TotalCount = 9 };
        var filter = new AuditFilter { Actor = "user:alice", Outcome = "refused" };

        var page = await Catalog().QueryAsync(filter, 25, "after-9", TestContext.Current.CancellationToken);

        Assert.Equal((7L, "after-7", 9L), (page.Records.Single().Sequence, page.NextPageToken, page.TotalCount));
        var request = Assert.Single(_server.AuditLog.Queries);
        Assert.Equal(filter, request.Filter);
        Assert.Equal((25, "after-9", true), (request.PageSize, request.PageToken, request.NewestFirst));
        Assert.StartsWith("Bearer ey", Assert.Single(_server.AuditLog.Authorizations), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportAsync_RegistryStreamsChunks_YieldsThemInOrder()
    {
        _server!.AuditLog.ExportChunks.AddRange(["sequence,actor\n", "1,user:alice\n", "2,system\n"]);

        var received = new StringBuilder();
        await foreach (var chunk in Catalog().ExportAsync(new AuditFilter { Action = "plugin.enable" }, AuditExportFormat.Csv, TestContext.Current.CancellationToken))
        {
            received.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        Assert.Equal("sequence,actor\n1,user:alice\n2,system\n", received.ToString());
        var request = Assert.Single(_server.AuditLog.Exports);
        Assert.Equal((AuditExportFormat.Csv, "plugin.enable"), (request.Format, request.Filter.Action));
    }

    [Fact]
    public async Task ExportAsync_StreamBreaks_SurfacesAsARegistryException()
    {
        _server!.AuditLog.ExportChunks.Add("sequence,actor\n");
        _server.AuditLog.ExportBreaksWith = new RpcException(new Status(StatusCode.Internal, "The audit table could not be read."));

        var failure = await Assert.ThrowsAsync<RegistryException>(async () =>
        {
            await foreach (var _ in Catalog().ExportAsync(new AuditFilter(), AuditExportFormat.JsonLines, TestContext.Current.CancellationToken))
            {
            }
        });

        Assert.Equal(StatusCode.Internal, failure.Status);
        Assert.Equal("The audit table could not be read.", failure.Message);
    }

    [Fact]
    public async Task VerifyAsync_Broken_ReturnsTheRegistrysVerdict()
    {
        _server!.AuditLog.Verdict = new VerifyAuditResponse { Intact = false, RowsChecked = 17, FirstBrokenSequence = 17, Problem = "hash mismatch" };

        var verdict = await Catalog().VerifyAsync(TestContext.Current.CancellationToken);

        Assert.Equal((false, 17L, "hash mismatch"), (verdict.Intact, verdict.FirstBrokenSequence, verdict.Problem));
    }

    public async ValueTask DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private IAuditCatalog Catalog() => _console!.Services.CreateScope().ServiceProvider.GetRequiredService<IAuditCatalog>();
}
