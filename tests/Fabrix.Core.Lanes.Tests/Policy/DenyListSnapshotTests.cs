using Fabrix.Contracts.Policy.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using static Fabrix.Core.Lanes.Tests.Policy.PolicyMessages;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>The registry's egress deny list in the lane's snapshot (issue 12 section 1), from a full snapshot and from deltas.</summary>
public sealed class DenyListSnapshotTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Apply_SnapshotWithDeniedDomains_ParsedPatternsMatch()
    {
        var client = Client(_time);
        var snapshot = Snapshot(1, Plugin("a"));
        snapshot.Snapshot.DeniedDomains.Add([Denied("*.evil.example"), Denied("paste.example")]);

        client.Apply(snapshot);

        var held = client.Current.Snapshot!;
        Assert.Equal(["*.evil.example", "paste.example"], held.DeniedDomains.Select(d => d.Pattern));
        Assert.Equal("user:ada", held.DeniedDomains[0].AddedBy);
        Assert.Contains(held.DeniedPatterns, p => p.Matches("x.evil.example"));
        Assert.DoesNotContain(held.DeniedPatterns, p => p.Matches("evil.example"));
    }

    [Fact]
    public void Apply_DeltaAddsAndRemovesDeniedDomains_KeepsTheRest()
    {
        var client = Client(_time);
        var snapshot = Snapshot(1, Plugin("a"));
        snapshot.Snapshot.DeniedDomains.Add([Denied("keep.example"), Denied("gone.example")]);
        client.Apply(snapshot);
        var delta = Delta(1, 2);
        delta.Delta.DeniedDomainsUpserted.Add(Denied("*.new.example"));
        delta.Delta.DeniedDomainsRemoved.Add("gone.example");

        client.Apply(delta);

        var held = client.Current.Snapshot!;
        Assert.Equal(["*.new.example", "keep.example"], held.DeniedDomains.Select(d => d.Pattern));
        Assert.Equal(2, held.DeniedPatterns.Count);
    }

    [Fact]
    public void Apply_DeltaWithoutDenyChanges_DenyListCarriedOver()
    {
        var client = Client(_time);
        var snapshot = Snapshot(1, Plugin("a"));
        snapshot.Snapshot.DeniedDomains.Add(Denied("keep.example"));
        client.Apply(snapshot);

        client.Apply(Delta(1, 2, switches: [Switch(PolicySwitchName.EgressKill, true)]));

        Assert.Equal(["keep.example"], client.Current.Snapshot!.DeniedDomains.Select(d => d.Pattern));
    }

    private static DeniedDomain Denied(string pattern) =>
        new() { Pattern = pattern, AddedBy = "user:ada", AddedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = "r" };
}
