using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Tests.Policy;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;

namespace Fabrix.Core.Lanes.Tests.Audit;

/// <summary>
/// From a lane's <see cref="DecisionAuditWriter"/> to the registry's hash chain, in one process on the real
/// PostgreSQL and NATS (issue 9 section 4): the lane publishes, the registry's ingest consumer appends, the registry's
/// verification (what <c>fabrix audit verify</c> calls) proves the chain, and the query the CLI sends for
/// <c>fabrix audit query --lane --plugin</c> finds the records.
/// </summary>
public sealed class LaneDecisionChainTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private const int OrdersOperator = 120;
    private const int OrdersProxy = 30;
    private const int BillingOperator = 50;
    private readonly string _root = Directory.CreateTempSubdirectory("fabrix-lane-chain-").FullName;
    private readonly string _stream = $"DECISIONS_{Guid.NewGuid():N}";
    private RegistryReplica _registry = null!;
    private Metadata _auditor = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Subject => $"decisions.{_stream}";

    public async ValueTask InitializeAsync()
    {
        var devKey = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_root, "dev-admin.pem"));
        _auditor = new Metadata
        {
            { "authorization", $"Bearer {DevelopmentAdminToken.Mint(DevelopmentAdminToken.LoadKey(devKey), "ada", [AdminRoles.AuditViewer], TimeProvider.System)}" },
        };
        var anchors = $"ANCHORS_{Guid.NewGuid():N}";
        _registry = new RegistryReplica(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:registry"] = await postgres.CreateDatabaseAsync("lanechain"),
            ["ConnectionStrings:nats"] = nats.Url,
            ["Fabrix:Registry:KeyRingPath"] = Path.Combine(_root, "keyring"),
            ["Fabrix:DevAdmin:KeyFile"] = devKey,
            ["Fabrix:Registry:Health:Enabled"] = "false",
            ["Fabrix:Registry:RateLimiting:Enabled"] = "false",
            // The assembly's NATS server is shared: this registry's anchor and decision streams are its own.
            ["Fabrix:Registry:Audit:AnchorStream"] = anchors,
            ["Fabrix:Registry:Audit:AnchorSubject"] = $"fabrix.audit.anchors.{anchors}",
            ["Fabrix:Registry:Audit:Ingest:Stream"] = _stream,
            ["Fabrix:Registry:Audit:Ingest:Subject"] = Subject,
            ["Fabrix:Registry:Audit:Ingest:BatchSize"] = "40",
        });
        _ = _registry.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task LaneDecisions_WrittenByTheLane_AppendedToTheChainVerifiedAndFoundByLaneAndPlugin()
    {
        using var lane = await StartLaneAsync();
        var writer = lane.Services.GetRequiredService<DecisionAuditWriter>();
        var audit = new AuditLog.AuditLogClient(_registry.Channel);

        var written = Enumerable.Range(0, OrdersOperator).Select(i => writer.Write(Decision("orders", Lane.Operator, i)))
            .Concat(Enumerable.Range(0, OrdersProxy).Select(i => writer.Write(Decision("orders", Lane.Proxy, i))))
            .Concat(Enumerable.Range(0, BillingOperator).Select(i => writer.Write(Decision("billing", Lane.Operator, i))))
            .ToList();
        // Every query is itself audited, so only lane rows are counted while waiting.
        await Eventually.UntilAsync(
            async () => (await QueryAsync(audit, new AuditFilter { Lane = "operator" }, pageSize: 1)).TotalCount == OrdersOperator + BillingOperator
                && (await QueryAsync(audit, new AuditFilter { Lane = "proxy" }, pageSize: 1)).TotalCount == OrdersProxy,
            TimeSpan.FromSeconds(60), "every lane decision is in the registry's chain", Ct);
        var verification = await audit.VerifyAuditAsync(new VerifyAuditRequest(), _auditor, cancellationToken: Ct);
        var ordersOperator = await QueryAllAsync(audit, new AuditFilter { Lane = "operator", Plugin = "orders" });
        var ordersProxy = await QueryAllAsync(audit, new AuditFilter { Lane = "proxy", Plugin = "orders" });
        var billingOperator = await QueryAllAsync(audit, new AuditFilter { Lane = "operator", Plugin = "billing" });
        await lane.StopAsync(Ct);

        Assert.All(written, result => Assert.Equal(DecisionAuditResult.Accepted, result));
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(0, verification.FirstBrokenSequence);
        Assert.Equal((OrdersOperator, OrdersProxy, BillingOperator), (ordersOperator.Count, ordersProxy.Count, billingOperator.Count));
        Assert.All(ordersOperator, r => Assert.Equal(("plugin:orders", "lane.operator.forward", "refused"), (r.Actor, r.Action, r.Outcome)));
        Assert.All(ordersProxy, r => Assert.Equal("lane.proxy.forward", r.Action));
        Assert.Equal(Enumerable.Range(0, OrdersOperator).Select(i => $"billing/invoices/{i}").Order(StringComparer.Ordinal),
            ordersOperator.Select(r => r.Target).Order(StringComparer.Ordinal));
    }

    private async Task<IHost> StartLaneAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{DecisionAuditOptions.SectionName}:Subject"] = Subject,
            [$"{DecisionAuditOptions.SectionName}:Service"] = LaneRegistry.ServiceName,
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton<INatsConnection>(new NatsConnection(new NatsOpts { Url = nats.Url }));
        builder.AddDecisionAudit();
        var host = builder.Build();
        await host.StartAsync(Ct);
        return host;
    }

    private static LaneDecision Decision(string plugin, Lane lane, int number) =>
        new(plugin, lane, $"billing/invoices/{number}", "forward", Allowed: false, "not_a_dependency", Guid.NewGuid().ToString("N"),
            Traceparent: null, Bytes: number, Duration: TimeSpan.FromMilliseconds(1));

    private async Task<QueryAuditResponse> QueryAsync(AuditLog.AuditLogClient audit, AuditFilter filter, int pageSize, string pageToken = "") =>
        await audit.QueryAuditAsync(new QueryAuditRequest { Filter = filter, PageSize = pageSize, PageToken = pageToken }, _auditor, cancellationToken: Ct);

    /// <summary>Every page, oldest first, as <c>fabrix audit query --all</c> reads them.</summary>
    private async Task<List<AuditRecord>> QueryAllAsync(AuditLog.AuditLogClient audit, AuditFilter filter)
    {
        var records = new List<AuditRecord>();
        var page = await QueryAsync(audit, filter, pageSize: 50);
        records.AddRange(page.Records);
        while (page.NextPageToken.Length > 0)
        {
            page = await QueryAsync(audit, filter, pageSize: 50, page.NextPageToken);
            records.AddRange(page.Records);
        }

        return records;
    }
}
