using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.Time.Testing;
using static Fabrix.Core.Lanes.Tests.Policy.PolicyMessages;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>The token check reads the lane's policy snapshot through <see cref="SnapshotTokenPolicy"/>.</summary>
public sealed class SnapshotTokenPolicyTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void IsAvailable_BeforeFirstSnapshotAndWhenStale_False()
    {
        var client = Client(_time, staleAfter: TimeSpan.FromSeconds(30));
        using var policy = new SnapshotTokenPolicy(client);
        var before = policy.IsAvailable;

        client.Apply(Snapshot(1, Plugin("a")));
        var fresh = policy.IsAvailable;
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal((false, true, false), (before, fresh, policy.IsAvailable));
    }

    [Fact]
    public void Find_ActivePlugin_EntryFromTheSnapshot()
    {
        var client = Client(_time);
        using var policy = new SnapshotTokenPolicy(client);
        client.Apply(Snapshot(4, Plugin("a", digest: "abc"), Plugin("b", PluginStatus.Disabled)));

        var a = policy.Find("a")!;

        Assert.Equal(("a", true, "abc", 4L), (a.PluginId, a.IsActive, a.PinnedManifestDigest, a.Revision));
        Assert.Equal(["handles_pii"], a.Traits);
        Assert.Equal(["pii"], a.DataClassifications);
        Assert.False(policy.Find("b")!.IsActive);
        Assert.Null(policy.Find("unknown"));
    }

    [Fact]
    public void Find_SameSnapshotEntry_SameEntryObject()
    {
        var client = Client(_time);
        using var policy = new SnapshotTokenPolicy(client);
        client.Apply(Snapshot(1, Plugin("a")));

        Assert.Same(policy.Find("a"), policy.Find("a"));
    }

    [Fact]
    public void Delta_DisablingAPlugin_NotifiesItAndItsEntryChangesRevision()
    {
        var client = Client(_time);
        using var policy = new SnapshotTokenPolicy(client);
        client.Apply(Snapshot(1, Plugin("a"), Plugin("b")));
        var before = policy.Find("a")!;
        var notified = new List<string?>();
        policy.PluginChanged += notified.Add;

        client.Apply(Delta(1, 2, upserted: [Plugin("a", PluginStatus.Disabled)]));

        var after = policy.Find("a")!;
        Assert.Equal(["a"], notified);
        Assert.Equal((false, 2L), (after.IsActive, after.Revision));
        Assert.NotEqual(before.Revision, after.Revision);
    }
}
