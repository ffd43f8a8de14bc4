using System.Diagnostics.Metrics;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using static Fabrix.Core.Lanes.Tests.Policy.PolicyMessages;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>The snapshot client's rules, fed messages directly: fail closed, staleness, delta order, change events.</summary>
public sealed class PolicySnapshotClientTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Current_BeforeFirstSnapshot_NotUsableAndUnhealthy()
    {
        var client = Client(_time);

        Assert.Equal(new PolicyView(null, false, null), client.Current);
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(client));
    }

    [Fact]
    public async Task Apply_Snapshot_UsableWithEveryPlugin()
    {
        var client = Client(_time);

        client.Apply(Snapshot(7, Plugin("a"), Plugin("b", PluginStatus.Disabled)));

        var view = client.Current;
        Assert.True(view.IsUsable);
        Assert.Equal(7, view.Snapshot!.Revision);
        Assert.True(view.Snapshot.Find("a")!.IsActive);
        Assert.False(view.Snapshot.Find("b")!.IsActive);
        Assert.Equal(["pii"], view.Snapshot.Find("a")!.DataClassifications);
        Assert.Equal(256, view.Snapshot.Find("a")!.MemoryLimitMb);
        Assert.False(view.Snapshot.EgressKilled);
        Assert.True(view.Snapshot.IsLaneOn(PolicySwitchName.LaneProxy));
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(client));
    }

    [Fact]
    public async Task Current_UnconfirmedForLongerThanStaleAfter_FailsClosed()
    {
        var client = Client(_time, TimeSpan.FromSeconds(30));
        client.Apply(Snapshot(1, Plugin("a")));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(client.Current.IsUsable);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(client.Current.IsUsable);
        Assert.NotNull(client.Current.Snapshot);
        Assert.Equal(TimeSpan.FromSeconds(30.001), client.Current.Staleness);
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(client));
    }

    [Fact]
    public void Heartbeat_AfterStale_UsableAgain()
    {
        var client = Client(_time);
        client.Apply(Snapshot(1, Plugin("a")));
        _time.Advance(TimeSpan.FromMinutes(5));

        client.Apply(Heartbeat(1));

        Assert.True(client.Current.IsUsable);
        Assert.Equal(TimeSpan.Zero, client.Current.Staleness);
    }

    [Fact]
    public void Apply_DeltasInOrder_UpsertsRemovesAndSwitches()
    {
        var client = Client(_time);
        client.Apply(Snapshot(1, Plugin("a"), Plugin("b")));

        client.Apply(Delta(1, 2, upserted: [Plugin("a", PluginStatus.Disabled)]));
        client.Apply(Delta(2, 3, removed: ["b"], switches: [Switch(PolicySwitchName.EgressKill, true)]));

        var snapshot = client.Current.Snapshot!;
        Assert.Equal(3, snapshot.Revision);
        Assert.Equal(PluginStatus.Disabled, snapshot.Find("a")!.Status);
        Assert.Null(snapshot.Find("b"));
        Assert.True(snapshot.EgressKilled);
    }

    [Fact]
    public void Apply_DeltaSpanningTheHeldRevision_Applied()
    {
        var client = Client(_time);
        client.Apply(Snapshot(5, Plugin("a")));

        client.Apply(Delta(3, 6, upserted: [Plugin("a", PluginStatus.Disabled)]));

        Assert.Equal((6L, PluginStatus.Disabled), (client.Current.Snapshot!.Revision, client.Current.Snapshot.Find("a")!.Status));
    }

    [Fact]
    public void Apply_DeltaNoNewerThanHeld_Skipped()
    {
        var client = Client(_time);
        client.Apply(Snapshot(5, Plugin("a")));
        var held = client.Current.Snapshot;

        client.Apply(Delta(4, 5, upserted: [Plugin("a", PluginStatus.Disabled)]));

        Assert.Same(held, client.Current.Snapshot);
    }

    [Fact]
    public void Apply_DeltaWhoseBaseIsNewerThanHeld_ThrowsGapAndKeepsTheSnapshot()
    {
        var client = Client(_time);
        client.Apply(Snapshot(5, Plugin("a")));
        var held = client.Current.Snapshot;

        Assert.Throws<PolicyGapException>(() => client.Apply(Delta(6, 7, upserted: [Plugin("a", PluginStatus.Disabled)])));
        Assert.Same(held, client.Current.Snapshot);
    }

    [Fact]
    public void Apply_DeltaBeforeAnySnapshot_ThrowsGap()
    {
        var client = Client(_time);

        Assert.Throws<PolicyGapException>(() => client.Apply(Delta(1, 2)));
        Assert.False(client.Current.IsUsable);
    }

    [Fact]
    public void Changed_Delta_NamesOnlyThePluginsWhoseEntryChanged()
    {
        var client = Client(_time);
        client.Apply(Snapshot(1, Plugin("a"), Plugin("b")));
        var changes = new List<PolicyChange>();
        client.Changed += (_, change) => changes.Add(change);

        client.Apply(Delta(1, 2, upserted: [Plugin("a"), Plugin("b", digest: "d2")], removed: ["gone"]));
        client.Apply(Delta(2, 3, removed: ["a"]));

        Assert.Equal(["2:b", "3:a"], changes.Select(c => $"{c.Revision}:{string.Join(',', c.ChangedPlugins.Order())}"));
    }

    [Fact]
    public void Changed_FullSnapshotAfterReconnect_NamesAddedChangedAndRemovedPlugins()
    {
        var client = Client(_time);
        client.Apply(Snapshot(1, Plugin("same"), Plugin("changed"), Plugin("removed")));
        var changes = new List<PolicyChange>();
        client.Changed += (_, change) => changes.Add(change);

        client.Apply(Snapshot(9, Plugin("same"), Plugin("changed", PluginStatus.Disabled), Plugin("added")));

        var change = Assert.Single(changes);
        Assert.Equal(["added", "changed", "removed"], change.ChangedPlugins.Order());
        Assert.False(change.SwitchesChanged);
    }

    [Fact]
    public void Changed_HandlerThrows_NewRevisionStands()
    {
        var client = Client(_time);
        client.Apply(Snapshot(1, Plugin("a")));
        client.Changed += (_, _) => throw new InvalidOperationException("handler bug");

        client.Apply(Delta(1, 2, upserted: [Plugin("a", PluginStatus.Disabled)]));

        Assert.Equal(2, client.Current.Snapshot!.Revision);
    }

    [Fact]
    public void Metrics_AfterSnapshot_ReportStalenessRevisionAndUsable()
    {
        var client = Client(_time);
        client.Apply(Snapshot(4, Plugin("a")));
        _time.Advance(TimeSpan.FromSeconds(12));
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PolicySnapshotClient.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Equal(12, seen["fabrix.lanes.policy.staleness"]);
        Assert.Equal(4, seen["fabrix.lanes.policy.revision"]);
        Assert.Equal(1, seen["fabrix.lanes.policy.usable"]);
    }
}
