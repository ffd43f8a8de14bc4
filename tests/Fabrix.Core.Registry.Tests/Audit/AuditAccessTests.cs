using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Grpc.Core;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Only audit_viewer and admin read the audit log (issue 3 section 4), over gRPC and REST; refusals are audited.</summary>
public sealed class AuditAccessTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    public static TheoryData<string> Refused => new() { AdminRoles.PluginManager, AdminRoles.ConfigManager };

    public static TheoryData<string> Allowed => new() { AdminRoles.AuditViewer, AdminRoles.Admin };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Grpc_RoleWithoutAuditAccess_PermissionDeniedOnEveryCallAndAudited(string role)
    {
        var user = "u" + Guid.NewGuid().ToString("N")[..10];
        var headers = host.AdminHeaders(user, role);
        var client = host.AuditClient();

        var query = await Assert.ThrowsAsync<RpcException>(() => client.QueryAuditAsync(new QueryAuditRequest(), headers, cancellationToken: Ct).ResponseAsync);
        var verify = await Assert.ThrowsAsync<RpcException>(() => client.VerifyAuditAsync(new VerifyAuditRequest(), headers, cancellationToken: Ct).ResponseAsync);
        var export = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.ExportAudit(new ExportAuditRequest(), headers, cancellationToken: Ct);
            await call.ResponseStream.MoveNext(Ct);
        });

        Assert.All([query, verify, export], e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Contains("admin, audit_viewer", query.Status.Detail, StringComparison.Ordinal);
        var refusals = (await host.AuditRowsAsync("audit_log")).Where(r => r.Actor == $"user:{user}").ToList();
        Assert.Equal(["audit.query", "audit.verify", "audit.export"], refusals.Select(r => r.Action));
        Assert.All(refusals, r => Assert.Equal("refused", r.Outcome));
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public async Task Grpc_AuditViewerOrAdmin_MayQueryAndVerify(string role)
    {
        var headers = host.AdminHeaders("reader", role);
        await host.InstallManyAsync(1, "readable");

        var page = await host.AuditClient().QueryAuditAsync(new QueryAuditRequest { PageSize = 1 }, headers, cancellationToken: Ct);
        var verification = await host.AuditClient().VerifyAuditAsync(new VerifyAuditRequest(), headers, cancellationToken: Ct);

        Assert.True(page.TotalCount > 0);
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Grpc_NoToken_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => host.AuditClient().VerifyAuditAsync(new VerifyAuditRequest(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task RestVerify_AuditViewer_ReturnsTheVerificationAndAuditsIt()
    {
        var user = "u" + Guid.NewGuid().ToString("N")[..10];
        await host.InstallManyAsync(1, "rest");

        using var response = await GetVerifyAsync(user, AdminRoles.AuditViewer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.True(body.GetProperty("intact").GetBoolean(), body.ToString());
        Assert.True(body.GetProperty("rows_checked").GetInt64() > 0);
        Assert.Equal(0, body.GetProperty("first_broken_sequence").GetInt64());
        var row = Assert.Single(await host.AuditRowsAsync("audit_log"), r => r.Actor == $"user:{user}");
        Assert.Equal(("audit.verify", "succeeded"), (row.Action, row.Outcome));
        Assert.StartsWith("audit chain intact", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestVerify_PluginManagerOnly_Forbidden()
    {
        using var response = await GetVerifyAsync("morgan", AdminRoles.PluginManager);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("MISSING_ROLE", problem.GetProperty("code").GetString());
    }

    private async Task<HttpResponseMessage> GetVerifyAsync(string user, string role)
    {
        using var client = host.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/audit/verify");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevelopmentAdminToken.Mint(host.DevKey, user, [role], TimeProvider.System));
        return await client.SendAsync(request, Ct);
    }
}
