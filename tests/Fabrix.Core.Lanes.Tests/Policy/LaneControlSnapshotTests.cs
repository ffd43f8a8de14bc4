using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Policy;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Fabrix.Core.Lanes.Tests.Policy.PolicyMessages;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>Lane control in the lane's snapshot, fed messages directly: limit overrides, grants, provider preferences; and the status report.</summary>
public sealed class LaneControlSnapshotTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Apply_SnapshotWithLaneLimits_TypedOverridesWithUnsetFieldsNull()
    {
        var client = Client(_time);
        var plugin = Plugin("a");
        plugin.LaneLimits = new PluginLaneLimits
        {
            PluginId = "a",
            Limits = new LaneLimits
            {
                Operator = new OperatorLaneLimits { RequestsPerSecond = 50 },
                Proxy = new ProxyLaneLimits { BytesPerSecond = 4096, Mode = ProxyMode.Report },
            },
            SetBy = "user:ada",
            SetAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            Reason = "import",
        };

        client.Apply(Snapshot(3, plugin, Plugin("b")));

        var limits = client.Current.Snapshot!.Find("a")!.LaneLimits!;
        Assert.Equal(new RateLimitOverride(50, null), limits.Operator);
        Assert.Equal(new ProxyLimitOverride(null, null, 4096, ProxyMode.Report), limits.Proxy);
        Assert.Null(limits.CanonicalPublish);
        Assert.Equal(("user:ada", _time.GetUtcNow(), "import"), (limits.SetBy, limits.SetAt, limits.Reason));
        Assert.Null(client.Current.Snapshot.Find("b")!.LaneLimits);
    }

    [Fact]
    public void Apply_SnapshotWithGrantsAndPreferences_IsGrantedAndPreferredProvider()
    {
        var client = Client(_time);

        client.Apply(WithControl(Snapshot(3, Plugin("a"), Plugin("b")), [Grant("a", "b")], [Preference("IdentityPlugin", "b")]));

        var snapshot = client.Current.Snapshot!;
        Assert.True(snapshot.IsGranted("a", "b"));
        Assert.False(snapshot.IsGranted("b", "a"));
        Assert.False(snapshot.IsGranted("a", "c"));
        Assert.Equal("user:ada", snapshot.FindGrant("a", "b")!.GrantedBy);
        Assert.Equal("b", snapshot.PreferredProvider("IdentityPlugin"));
        Assert.Null(snapshot.PreferredProvider("StoragePlugin"));
    }

    [Fact]
    public void Apply_DeltaAddingAndRemovingGrants_SwapsThemAndRaisesGrantsChanged()
    {
        var client = Client(_time);
        client.Apply(WithControl(Snapshot(3, Plugin("a"), Plugin("b"), Plugin("c")), [Grant("a", "b")], []));
        var changes = new List<PolicyChange>();
        client.Changed += (_, change) => changes.Add(change);
        var delta = Delta(3, 4);
        delta.Delta.GrantsUpserted.Add(Grant("c", "b"));
        delta.Delta.GrantsRemoved.Add(new OperatorGrantKey { Caller = "a", Target = "b" });
        delta.Delta.PreferencesUpserted.Add(Preference("IdentityPlugin", "c"));

        client.Apply(delta);

        var snapshot = client.Current.Snapshot!;
        Assert.False(snapshot.IsGranted("a", "b"));
        Assert.True(snapshot.IsGranted("c", "b"));
        Assert.Equal("c", snapshot.PreferredProvider("IdentityPlugin"));
        var change = Assert.Single(changes);
        Assert.True(change.GrantsChanged);
        Assert.True(change.PreferencesChanged);
        Assert.Empty(change.ChangedPlugins);
    }

    [Fact]
    public void Apply_DeltaRemovingPlugin_DropsItsGrantsAndPreferences()
    {
        var client = Client(_time);
        client.Apply(WithControl(Snapshot(3, Plugin("a"), Plugin("b")), [Grant("a", "b")], [Preference("IdentityPlugin", "b")]));

        client.Apply(Delta(3, 4, removed: ["b"]));

        var snapshot = client.Current.Snapshot!;
        Assert.False(snapshot.IsGranted("a", "b"));
        Assert.Empty(snapshot.Grants);
        Assert.Null(snapshot.PreferredProvider("IdentityPlugin"));
    }

    [Fact]
    public void Apply_DeltaClearingPreference_PreferredProviderNull()
    {
        var client = Client(_time);
        client.Apply(WithControl(Snapshot(3, Plugin("a")), [], [Preference("IdentityPlugin", "a")]));
        var delta = Delta(3, 4);
        delta.Delta.PreferencesRemoved.Add("IdentityPlugin");

        client.Apply(delta);

        Assert.Null(client.Current.Snapshot!.PreferredProvider("IdentityPlugin"));
    }

    [Fact]
    public void BuildReport_WithDecisionAudit_CarriesRevisionStalenessAndBufferDepth()
    {
        var client = Client(_time);
        client.Apply(Snapshot(9, Plugin("a")));
        _time.Advance(TimeSpan.FromSeconds(2));
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var writer = new DecisionAuditWriter(Options.Create(new DecisionAuditOptions { BufferCapacity = 10 }), _time, new DecisionAuditMetrics(meters));
        writer.Write(new LaneDecision("a", Lane.Operator, "b/x", "forward", Allowed: true, "allowed", "c1", Traceparent: null, Bytes: 1, Duration: TimeSpan.Zero));

        var report = Reporter(client, writer).BuildReport();

        Assert.Equal(("gw-1", 9L, true, 2d, 1L, 0L), (report.InstanceId, report.Revision, report.Usable, report.StalenessSeconds, report.AuditBufferDepth, report.AuditDropped));
    }

    [Fact]
    public void BuildReport_BeforeFirstSnapshotWithoutAudit_RevisionZeroNotUsableNoAuditFields()
    {
        var report = Reporter(Client(_time), null).BuildReport();

        Assert.Equal((0L, false, false, false), (report.Revision, report.Usable, report.HasStalenessSeconds, report.HasAuditBufferDepth));
    }

    private LaneStatusReporter Reporter(PolicySnapshotClient client, DecisionAuditWriter? writer) =>
        new(new PolicyService.PolicyServiceClient(GrpcChannel.ForAddress("http://127.0.0.1:9")), client,
            Options.Create(new PolicySnapshotOptions { InstanceId = "gw-1" }), _time, NullLogger<LaneStatusReporter>.Instance, writer);

    private static OperatorGrant Grant(string caller, string target) =>
        new() { Caller = caller, Target = target, GrantedBy = "user:ada", GrantedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = "r" };

    private static ProviderPreference Preference(string contract, string pluginId) =>
        new() { Contract = contract, PluginId = pluginId, SetBy = "user:ada", SetAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = "r" };

    private static PolicyMessage WithControl(PolicyMessage snapshot, OperatorGrant[] grants, ProviderPreference[] preferences)
    {
        snapshot.Snapshot.Grants.Add(grants);
        snapshot.Snapshot.ProviderPreferences.Add(preferences);
        return snapshot;
    }
}
