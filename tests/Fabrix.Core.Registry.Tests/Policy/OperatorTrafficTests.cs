using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Tests.Audit.Ingest;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>
/// Operator lane traffic and refusals from the decision audit (issue 10 section 6), on real PostgreSQL and NATS: the
/// gateway's decision records go through the ingest stream into the chain, and PolicyAdmin aggregates them.
/// </summary>
public sealed class OperatorTrafficTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GetOperatorTraffic_DecisionsInWindow_CallsErrorsAndPercentilesPerPair()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var records = new List<DecisionRecord>();
        foreach (var (microseconds, status) in new[] { (1000L, "200"), (2000L, "200"), (3000L, "200"), (4000L, "502"), (5000L, "200") })
        {
            records.Add(Decision("accounting", "user-management", allowed: true, microseconds, status));
        }

        records.Add(Decision("accounting", "user-management", allowed: false, 100, "403"));
        // Before the gateway wrote attributes: the target id is the first word of the audit target, the status its last.
        var legacy = DecisionRecords.New("accounting", target: "billing GET /api/invoices 503");
        legacy.Attributes.Clear();
        records.Add(legacy);
        var old = Decision("accounting", "user-management", allowed: false, 100, "403");
        old.At = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-2));
        records.Add(old);

        await host.PublishAsync(records, Ct);
        await WaitForLaneRowsAsync(host, records.Count);
        var traffic = await Admin(host).GetOperatorTrafficAsync(new GetOperatorTrafficRequest(), host.Viewer(), cancellationToken: Ct);

        Assert.Equal(300, (traffic.To.ToDateTimeOffset() - traffic.From.ToDateTimeOffset()).TotalSeconds, 3);
        Assert.False(traffic.Truncated);
        Assert.Equal(["accounting->billing", "accounting->user-management"], traffic.Pairs.Select(p => $"{p.Caller}->{p.Target}"));
        var users = traffic.Pairs[1];
        Assert.Equal((6L, 2L), (users.Calls, users.Errors));
        // percentile_cont over 100, 1000, 2000, 3000, 4000, 5000 µs.
        Assert.Equal(2.5, users.P50Ms, 6);
        Assert.Equal(4.95, users.P99Ms, 6);
        Assert.Equal((1L, 1L), (traffic.Pairs[0].Calls, traffic.Pairs[0].Errors));
    }

    [Fact]
    public async Task GetOperatorTraffic_DayWindow_IncludesOlderDecisions()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var old = Decision("accounting", "user-management", allowed: true, 100, "200");
        old.At = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-2));
        await host.PublishAsync([old, Decision("accounting", "user-management", allowed: true, 100, "200")], Ct);
        await WaitForLaneRowsAsync(host, 2);

        var traffic = await Admin(host).GetOperatorTrafficAsync(new GetOperatorTrafficRequest { WindowSeconds = 86_400 }, host.Viewer(), cancellationToken: Ct);

        Assert.Equal(2L, Assert.Single(traffic.Pairs).Calls);
    }

    [Fact]
    public async Task ListOperatorRefusals_RefusedDecisions_NewestFirstWithCallerTargetMethodPathAndReason()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var first = Decision("reports", "user-management", allowed: false, 100, "403", path: "/api/users/1");
        first.At = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-10));
        var second = Decision("reports", "user-management", allowed: false, 100, "403", path: "/api/users/2");
        second.ReasonCode = "endpoint_not_declared";
        await host.PublishAsync([first, second, Decision("reports", "user-management", allowed: true, 100, "200")], Ct);
        await WaitForLaneRowsAsync(host, 3);

        var refusals = (await Admin(host).ListOperatorRefusalsAsync(new ListOperatorRefusalsRequest(), host.Viewer(), cancellationToken: Ct)).Refusals;

        Assert.Equal(["/api/users/2 endpoint_not_declared", "/api/users/1 not_a_dependency"], refusals.Select(r => $"{r.Path} {r.Reason}"));
        Assert.Equal(("reports", "user-management", "GET", 403, second.CorrelationId), (refusals[0].Caller, refusals[0].Target, refusals[0].Method,
            refusals[0].Status, refusals[0].CorrelationId));
        var limited = await Admin(host).ListOperatorRefusalsAsync(new ListOperatorRefusalsRequest { Limit = 1 }, host.Viewer(), cancellationToken: Ct);
        Assert.Equal(second.CorrelationId, Assert.Single(limited.Refusals).CorrelationId);
    }

    [Fact]
    public async Task OperatorTrafficReads_OutOfBounds_InvalidArgumentNamingTheField()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);

        var window = await Assert.ThrowsAsync<RpcException>(() => Admin(host).GetOperatorTrafficAsync(
            new GetOperatorTrafficRequest { WindowSeconds = 86_401 }, host.Viewer(), cancellationToken: Ct).ResponseAsync);
        var refusals = await Assert.ThrowsAsync<RpcException>(() => Admin(host).ListOperatorRefusalsAsync(
            new ListOperatorRefusalsRequest { Limit = 501, Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-2)) },
            host.Viewer(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, window.StatusCode);
        Assert.Contains("window_seconds", window.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, refusals.StatusCode);
        Assert.Contains("limit", refusals.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("since", refusals.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOperatorTraffic_WithoutAdministratorRole_PermissionDeniedAndAudited()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Admin(host).GetOperatorTrafficAsync(
            new GetOperatorTrafficRequest(), host.AdminHeaders("nobody"), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>(
            "select count(*) from audit_log where action = 'policy.traffic.read' and outcome = 'refused' and actor = 'user:nobody'"));
    }

    private static PolicyAdmin.PolicyAdminClient Admin(RegistryHost host) => new(host.Channel);

    private static DecisionRecord Decision(string caller, string target, bool allowed, long microseconds, string status, string path = "/api/users/42")
    {
        var record = DecisionRecords.New(caller, allowed: allowed, target: $"{target} GET {path} {status}");
        record.DurationUs = microseconds;
        record.Attributes.Add("target_plugin", target);
        record.Attributes.Add("method", "GET");
        record.Attributes.Add("path", path);
        record.Attributes.Add("status", status);
        if (allowed)
        {
            record.Attributes.Add("endpoint", "GET /api/users/{id}");
        }

        return record;
    }

    private static Task WaitForLaneRowsAsync(RegistryHost host, long count) =>
        Eventually.UntilAsync(async () => await host.ScalarAsync<long>("select count(*) from audit_log where lane is not null") >= count, Within,
            $"{count} lane decisions in the chain", Ct);
}
