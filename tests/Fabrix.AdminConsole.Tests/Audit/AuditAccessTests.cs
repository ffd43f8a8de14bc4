using System.Net;
using System.Text.Json;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.AdminConsole.Tests.Audit;

/// <summary>
/// The audit page and its export endpoint in the real console pipeline: only <c>audit_viewer</c> and <c>admin</c> get
/// through, server-side, and the export streams the registry's <c>ExportAudit</c> with the signed-in user's token.
/// </summary>
[Collection(ConsoleAppTests.Name)]
public sealed class AuditAccessTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fabrix-console-audit-").FullName;
    private readonly FakeAuditCatalog _audit = new();
    private string _keyFile = string.Empty;
    private RegistryStandInServer? _registry;

    public async ValueTask InitializeAsync()
    {
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_folder, "dev-admin.pem"));
        _registry = await RegistryStandInServer.StartAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("/audit/export?format=csv")]
    [InlineData("/audit")]
    public async Task Audit_PluginManagerOnly_IsSentToAccessDeniedWithoutReachingTheRegistry(string path)
    {
        using var factory = ConsoleAppFactory.Create("Development", Settings(), WithFakeAudit);
        using var client = factory.Client();
        await client.DevSignInAsync("bob", [AdminRoles.PluginManager, AdminRoles.ConfigManager], "/");

        var response = await client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Empty(_audit.Exports);
        Assert.Empty(_audit.Queries);
    }

    [Fact]
    public async Task AuditExport_NotSignedIn_IsSentToSignIn()
    {
        using var factory = ConsoleAppFactory.Create("Development", Settings(), WithFakeAudit);
        using var client = factory.Client();

        var response = await client.GetAsync(new Uri("/audit/export?format=csv", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/dev-signin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Empty(_audit.Exports);
    }

    [Theory]
    [InlineData(AdminRoles.AuditViewer)]
    [InlineData(AdminRoles.Admin)]
    public async Task AuditPage_AuditReader_IsServed(string role)
    {
        using var factory = ConsoleAppFactory.Create("Development", Settings(), WithFakeAudit);
        using var client = factory.Client();
        await client.DevSignInAsync("carol", [role], "/");

        var response = await client.GetAsync(new Uri("/audit", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"audit-verify\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditExport_AuditViewer_StreamsTheRegistrysExportWithTheirOwnToken()
    {
        _registry!.AuditLog.ExportChunks.Add("sequence,at,actor\n");
        _registry.AuditLog.ExportChunks.Add("41,2026-11-24T08:41:00Z,user:alice\n");
        using var factory = ConsoleAppFactory.Create("Development", Settings());
        using var client = factory.Client();
        await client.DevSignInAsync("carol", [AdminRoles.AuditViewer], "/");

        var response = await client.GetAsync(
            new Uri("/audit/export?format=csv&from=2026-11-24T08%3A00%3A00Z&actor=user%3Aalice&outcome=succeeded", UriKind.Relative),
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition.FileName, StringComparison.Ordinal);
        Assert.Equal(
            "sequence,at,actor\n41,2026-11-24T08:41:00Z,user:alice\n",
            await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var request = Assert.Single(_registry.AuditLog.Exports);
        Assert.Equal(AuditExportFormat.Csv, request.Format);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), request.Filter.From.ToDateTimeOffset());
        Assert.Null(request.Filter.To);
        Assert.Equal(("user:alice", string.Empty, string.Empty, "succeeded"), (request.Filter.Actor, request.Filter.Action, request.Filter.Target, request.Filter.Outcome));
        var token = await new JsonWebTokenHandler().ValidateTokenAsync(
            Assert.Single(_registry.AuditLog.Authorizations)["Bearer ".Length..],
            DevelopmentAdminToken.ValidationParameters(DevelopmentAdminToken.LoadKey(_keyFile)));
        Assert.True(token.IsValid, token.Exception?.Message);
        Assert.Equal("carol", token.ClaimsIdentity.Name);
        Assert.Equal([AdminRoles.AuditViewer], token.ClaimsIdentity.FindAll(DevelopmentAdminToken.RolesClaim).Select(c => c.Value));
    }

    [Fact]
    public async Task AuditExport_JsonLines_IsServedAsNdjson()
    {
        _audit.ExportChunks.Add("{\"sequence\":1}\n"u8.ToArray());
        using var factory = ConsoleAppFactory.Create("Development", Settings(), WithFakeAudit);
        using var client = factory.Client();
        await client.DevSignInAsync("carol", [AdminRoles.Admin], "/");

        var response = await client.GetAsync(new Uri("/audit/export?format=jsonl", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith(".jsonl", response.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
        Assert.Equal(AuditExportFormat.JsonLines, Assert.Single(_audit.Exports).Format);
    }

    [Fact]
    public async Task AuditExport_BadFilters_AreRefusedNamingEachParameter()
    {
        using var factory = ConsoleAppFactory.Create("Development", Settings(), WithFakeAudit);
        using var client = factory.Client();
        await client.DevSignInAsync("carol", [AdminRoles.AuditViewer], "/");

        var response = await client.GetAsync(
            new Uri("/audit/export?format=xml&from=yesterday&outcome=maybe", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(
            ["format", "from", "outcome"],
            problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Empty(_audit.Exports);
    }

    [Fact]
    public async Task AuditExport_RegistryRefuses_AnswersWithItsStatusAndMessage()
    {
        _audit.Failure = new RegistryException(StatusCode.PermissionDenied, "The audit log needs the role audit_viewer or admin.", []);
        using var factory = ConsoleAppFactory.Create("Development", Settings(), WithFakeAudit);
        using var client = factory.Client();
        await client.DevSignInAsync("carol", [AdminRoles.AuditViewer], "/");

        var response = await client.GetAsync(new Uri("/audit/export?format=csv", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(
            "needs the role audit_viewer or admin", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    public async ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private void WithFakeAudit(IServiceCollection services) => services.AddSingleton<IAuditCatalog>(_audit);

    private Dictionary<string, string?> Settings() => new()
    {
        ["Fabrix:DevSignIn:Enabled"] = "true",
        ["Fabrix:DevAdmin:KeyFile"] = _keyFile,
        ["services:registry:grpc:0"] = _registry!.Address,
    };
}
