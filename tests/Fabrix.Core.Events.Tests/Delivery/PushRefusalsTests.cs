using System.Collections.Frozen;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Events.Delivery.Push;
using Fabrix.Core.Lanes.Policy;
using PolicySnapshot = Fabrix.Core.Lanes.Policy.PolicySnapshot;

namespace Fabrix.Core.Events.Tests.Delivery;

/// <summary>
/// When a refused push pump may start again (<see cref="PushRefusals"/>): only after a change of a later revision than
/// the refusing decision's, whichever of the change and the refusal is recorded first.
/// </summary>
public sealed class PushRefusalsTests
{
    private static readonly CanonicalEventType UserCreated = CanonicalEventTypes.Find("UserCreated")!;

    public static TheoryData<bool, long, long?, long?, bool> OrderCases => new()
    {
        // change recorded first, refusal decided at, change naming the plugin at, switches changed at, refused afterwards
        { true, 5, 5, null, true },    // the change, then the refusal that saw it
        { false, 5, 5, null, true },   // the refusal, then the change it saw (the dispatcher's pass for it runs late)
        { false, 5, 4, null, true },   // the refusal, then an earlier change arriving late
        { false, 5, 6, null, false },  // the refusal, then a later change (a trait restored)
        { true, 5, 6, null, false },   // a later change, then the refusal decided before it
        { false, 5, null, 5, true },   // the refusal, then the switches change it saw
        { false, 5, null, 6, false },  // the refusal, then a later switches change
        { true, 5, null, 6, false },   // a later switches change, then the refusal decided before it
    };

    [Theory]
    [MemberData(nameof(OrderCases))]
    public void IsRefused_ChangeAndRefusalInEitherOrder_RefusedUntilALaterRevision(bool changeFirst, long refusedAt, long? changedAt, long? switchesAt,
        bool refused)
    {
        var refusals = new PushRefusals();
        var change = new PolicyChange(changedAt ?? switchesAt!.Value, changedAt is null ? FrozenSet<string>.Empty : Plugins("acct"), switchesAt is not null);

        if (changeFirst)
        {
            refusals.Changed(change);
        }

        var recorded = refusals.Refuse("acct", UserCreated, refusedAt, RefusalCodes.EventClassificationNotAllowed);
        if (!changeFirst)
        {
            refusals.Changed(change);
        }

        Assert.Equal(refused, refusals.IsRefused("acct", UserCreated));
        // Refuse says false (start a pass) exactly when a change recorded before it already lifted it.
        Assert.Equal(!changeFirst || refused, recorded);
    }

    [Fact]
    public void Refuse_ForWantOfAUsableSnapshot_NothingRecordedSoThePumpStartsOnceTheSnapshotIsFresh()
    {
        var refusals = new PushRefusals();

        var recorded = refusals.Refuse("acct", UserCreated, 5, RefusalCodes.LaneNoPolicy);

        Assert.False(recorded);
        Assert.False(refusals.IsRefused("acct", UserCreated));
    }

    [Fact]
    public void IsRefused_LaterChangeNamingAnotherPlugin_StillRefused()
    {
        var refusals = new PushRefusals();
        refusals.Refuse("acct", UserCreated, 5, RefusalCodes.EventClassificationNotAllowed);

        refusals.Changed(new PolicyChange(6, Plugins("hr"), false));

        Assert.True(refusals.IsRefused("acct", UserCreated));
    }

    [Fact]
    public void IsRefused_OtherTypeOfTheSamePlugin_NotRefused()
    {
        var refusals = new PushRefusals();

        refusals.Refuse("acct", UserCreated, 5, RefusalCodes.EventClassificationNotAllowed);

        Assert.False(refusals.IsRefused("acct", CanonicalEventTypes.Find("PaymentReceived")!));
    }

    [Fact]
    public void Retain_PluginGone_ItsRefusalForgotten()
    {
        var refusals = new PushRefusals();
        refusals.Refuse("acct", UserCreated, 5, RefusalCodes.EventClassificationNotAllowed);

        refusals.Retain(Snapshot(6, "hr"));

        Assert.False(refusals.IsRefused("acct", UserCreated));
    }

    [Fact]
    public void Retain_SnapshotOlderThanTheRefusal_RefusalKept()
    {
        var refusals = new PushRefusals();
        refusals.Refuse("acct", UserCreated, 5, RefusalCodes.EventClassificationNotAllowed);

        refusals.Retain(Snapshot(4, "hr"));

        Assert.True(refusals.IsRefused("acct", UserCreated));
    }

    [Fact]
    public void Retain_SnapshotOlderThanAChangeOfTheGonePlugin_ChangeStillLiftsALateRefusal()
    {
        var refusals = new PushRefusals();
        refusals.Changed(new PolicyChange(7, Plugins("acct"), false));

        refusals.Retain(Snapshot(6, "hr"));

        Assert.False(refusals.Refuse("acct", UserCreated, 6, RefusalCodes.EventClassificationNotAllowed));
    }

    private static FrozenSet<string> Plugins(params string[] ids) => ids.ToFrozenSet(StringComparer.Ordinal);

    private static PolicySnapshot Snapshot(long revision, params string[] pluginIds) =>
        new(revision, DateTimeOffset.UnixEpoch,
            pluginIds.ToFrozenDictionary(id => id, id => new PluginPolicy(id, PluginStatus.Active, HealthState.Healthy, "sha256:x", "1.0.0",
                FrozenSet<string>.Empty, [], FrozenSet<string>.Empty, [], FrozenDictionary<string, string>.Empty, [], null, null, null), StringComparer.Ordinal),
            FrozenDictionary<PolicySwitchName, SwitchPolicy>.Empty, [], []);
}
