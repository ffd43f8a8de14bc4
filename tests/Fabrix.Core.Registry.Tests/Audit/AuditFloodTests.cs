using System.Net;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Issue 7 section 5: an anonymous caller cannot fill the audit log; "recent changes" shows changes only.</summary>
public sealed class AuditFloodTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private const int Flood = 40;
    private RegistryHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await StartIsolatedAsync(postgres, nats);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Register_FloodOfIdenticalRefusals_BoundedRowsWhoseCountsSumToTheFlood()
    {
        var id = TestManifests.NewId("flood");
        for (var i = 0; i < Flood; i++)
        {
            using var response = await _host.RegisterRestAsync(TestManifests.Manifest(id));
            Assert.False(response.IsSuccessStatusCode);
        }

        var beforeWindowCloses = await _host.AuditRowsAsync(id);
        await _host.Factory.Services.GetRequiredService<AuditRefusalFolding>().FlushAsync(all: true, Ct);
        var rows = await _host.AuditRowsAsync(id);

        Assert.Single(beforeWindowCloses);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("refused", r.Outcome));
        Assert.Equal(Flood, rows.Sum(r => JsonDocument.Parse(r.Details).RootElement.GetProperty("count").GetInt64()));
        Assert.True((await _host.VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Refusals_MoreSourcesThanTheBound_WrittenAsRowsNotDropped()
    {
        var settings = _host.Settings();
        settings["Fabrix:Registry:Audit:RefusalFoldMaxSources"] = "1";
        await _host.Factory.DisposeAsync();
        var (factory, _) = _host.Start(settings);
        var folded = TestManifests.NewId("folded");
        var unbounded = TestManifests.NewId("unbounded");

        for (var i = 0; i < 5; i++)
        {
            using var first = await _host.RegisterRestAsync(TestManifests.Manifest(folded), factory: factory);
            using var second = await _host.RegisterRestAsync(TestManifests.Manifest(unbounded), factory: factory);
        }

        Assert.Single(await _host.AuditRowsAsync(folded));
        Assert.Equal(5, (await _host.AuditRowsAsync(unbounded)).Count);
    }

    [Fact]
    public async Task QueryAudit_ChangesOnly_ExcludesRefusalsReadsAndAuditReads()
    {
        var id = TestManifests.NewId("change");
        await _host.InstallAsync(id);
        await _host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, _host.Manager, cancellationToken: Ct);
        await Assert.ThrowsAsync<RpcException>(() => _host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id },
            _host.AdminHeaders("ann", AdminRoles.AuditViewer), cancellationToken: Ct).ResponseAsync);
        using (var refused = await _host.RegisterRestAsync(TestManifests.Manifest(TestManifests.NewId("nobody"))))
        {
        }

        var all = await _host.AuditClient().QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Target = id }, PageSize = 500 }, _host.Viewer(), cancellationToken: Ct);
        var changes = await _host.AuditClient().QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { ChangesOnly = true }, PageSize = 500 },
            _host.Viewer(), cancellationToken: Ct);

        Assert.Contains(all.Records, r => r.Outcome == "refused");
        Assert.NotEmpty(changes.Records);
        Assert.Contains(changes.Records, r => r.Action == "plugin.install" && r.Target == id);
        Assert.All(changes.Records, r =>
        {
            Assert.Equal("succeeded", r.Outcome);
            Assert.DoesNotContain(r.Action, (string[])["plugin.read", "plugin.health", "plugin.heartbeat", "plugin.token.renew"]);
            Assert.False(r.Action.StartsWith("audit.", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task AuditVerifyRest_NoToken_401TitledForAnAdministrator()
    {
        using var client = _host.Factory.CreateClient();

        using var response = await client.GetAsync("/audit/verify", Ct);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("administrator", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("plugin", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAudit_CallerWithNoRoles_RefusalNamesOnlyTheAuditRoles()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.AuditClient().QueryAuditAsync(new QueryAuditRequest(),
            _host.AdminHeaders("nobody"), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("requires one of admin, audit_viewer", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminRoles.PluginManager, error.Status.Detail, StringComparison.Ordinal);
    }
}

/// <summary>Issue 7 section 5: unauthenticated endpoints are rate limited per client address.</summary>
public sealed class RateLimitingTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private RegistryHost _host = null!;
    private RegistryFactory _factory = null!;
    private Grpc.Net.Client.GrpcChannel _channel = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await StartIsolatedAsync(postgres, nats);
        var settings = _host.Settings();
        settings["Fabrix:Registry:RateLimiting:Enabled"] = "true";
        settings["Fabrix:Registry:RateLimiting:PermitLimit"] = "3";
        settings["Fabrix:Registry:RateLimiting:Window"] = "01:00:00";
        (_factory, _channel) = _host.Start(settings);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Jwks_OverTheLimit_429ProblemWithRetryAfter()
    {
        using var client = _factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.GetAsync("/.well-known/jwks.json", Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var response = await client.GetAsync("/.well-known/jwks.json", Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("RATE_LIMITED", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task RegisterFlood_OverTheLimit_429AndNoAuditRowForTheRejected()
    {
        var id = TestManifests.NewId("limited");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await _host.RegisterRestAsync(TestManifests.Manifest(id), factory: _factory);
            statuses.Add(response.StatusCode);
        }

        await _factory.Services.GetRequiredService<AuditRefusalFolding>().FlushAsync(all: true, Ct);
        var rows = await _host.AuditRowsAsync(id);

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(3, rows.Sum(r => JsonDocument.Parse(r.Details).RootElement.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task GrpcHeartbeat_OverTheLimit_ResourceExhausted()
    {
        var plugins = new PluginRegistry.PluginRegistryClient(_channel);
        var codes = new List<StatusCode>();
        for (var i = 0; i < 4; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => plugins.HeartbeatAsync(new HeartbeatRequest { PluginId = "nobody" }, cancellationToken: Ct).ResponseAsync);
            codes.Add(error.StatusCode);
        }

        Assert.Equal(StatusCode.ResourceExhausted, codes[^1]);
        Assert.DoesNotContain(StatusCode.ResourceExhausted, codes.Take(3));
    }
}
