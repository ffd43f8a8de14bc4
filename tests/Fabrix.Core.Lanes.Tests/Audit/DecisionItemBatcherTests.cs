using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Lanes.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Lanes.Tests.Audit;

/// <summary>
/// <see cref="DecisionItemBatcher"/>: decisions of one group become one record with an item each, written when the group
/// is full or its linger (on the clock) ends; different groups stay apart; at stop nothing held is lost.
/// </summary>
public sealed class DecisionItemBatcherTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Add_OneGroupWithinTheLinger_OneRecordWithTheItemsInOrderWhenTheLingerEnds()
    {
        var (writer, batcher) = Build(Linger);

        var results = Enumerable.Range(0, 3).Select(i => batcher.Add(Attempt(succeeded: true), Item(i))).ToList();
        _clock.Advance(Linger - TimeSpan.FromMilliseconds(1));
        var heldBefore = writer.Buffered;
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.All(results, r => Assert.Equal(DecisionAuditResult.Accepted, r));
        Assert.Equal(0, heldBefore);
        var record = Assert.Single(Drain(writer));
        Assert.Equal(["e0", "e1", "e2"], record.Items.Select(i => i.Attributes["event_id"]));
        Assert.Equal("webhook:w1", record.Target);
        Assert.Equal("endpoint w1", record.Attributes["endpoint_id"]);
        // The first decision's correlation; bytes and duration are the items' own.
        Assert.Equal("corr-0", record.CorrelationId);
        Assert.False(record.HasBytes);
        Assert.False(record.HasDurationUs);
        Assert.Equal(0, batcher.Held);
    }

    [Fact]
    public void Add_DecisionsThatDifferInOutcomeReasonOrAttributes_OneRecordEach()
    {
        var (writer, batcher) = Build(Linger);

        batcher.Add(Attempt(succeeded: true), Item(0));
        batcher.Add(Attempt(succeeded: false, reason: "WEBHOOK_DELIVERY_FAILED"), Item(1));
        batcher.Add(Attempt(succeeded: false, reason: "WEBHOOK_GONE"), Item(2));
        batcher.Add(Attempt(succeeded: true) with { Attributes = new Dictionary<string, string> { ["endpoint_id"] = "endpoint w1", ["replay"] = "true" } }, Item(3));
        batcher.Add(Attempt(succeeded: true) with { Target = "webhook:w2" }, Item(4));
        batcher.Add(Attempt(succeeded: true), Item(5));
        _clock.Advance(Linger);

        var records = Drain(writer).OrderBy(r => r.Items[0].Attributes["event_id"], StringComparer.Ordinal).ToList();
        Assert.Equal([["e0", "e5"], ["e1"], ["e2"], ["e3"], ["e4"]], records.Select(r => r.Items.Select(i => i.Attributes["event_id"]).ToArray()));
        Assert.Equal([DecisionOutcome.Allowed, DecisionOutcome.Refused, DecisionOutcome.Refused, DecisionOutcome.Allowed, DecisionOutcome.Allowed],
            records.Select(r => r.Outcome));
    }

    [Fact]
    public void Add_AttributesComparedAsASet_SameInAnyOrderOneGroup_SwappedValuesOrOtherPluginOrActionApart()
    {
        var (writer, batcher) = Build(Linger);
        var shape = Attempt(succeeded: true);

        batcher.Add(shape with { Attributes = new Dictionary<string, string> { ["a"] = "b", ["c"] = "d" } }, Item(0));
        batcher.Add(shape with { Attributes = new Dictionary<string, string> { ["c"] = "d", ["a"] = "b" } }, Item(1));
        batcher.Add(shape with { Attributes = new Dictionary<string, string> { ["a"] = "d", ["c"] = "b" } }, Item(2));
        batcher.Add(shape with { Attributes = null }, Item(3));
        batcher.Add(shape with { Attributes = new Dictionary<string, string>() }, Item(4));
        batcher.Add(shape with { PluginId = "hr2" }, Item(5));
        batcher.Add(shape with { Action = "webhook.replay" }, Item(6));
        batcher.Add(shape with { Attributes = new Dictionary<string, string> { ["endpoint_id"] = "endpoint w1", ["x"] = string.Empty } }, Item(7));
        _clock.Advance(Linger);

        var records = Drain(writer).OrderBy(r => r.Items[0].Attributes["event_id"], StringComparer.Ordinal).ToList();
        Assert.Equal([["e0", "e1"], ["e2"], ["e3", "e4"], ["e5"], ["e6"], ["e7"]], records.Select(r => r.Items.Select(i => i.Attributes["event_id"]).ToArray()));
    }

    [Fact]
    public void Add_TheGroupFills_WrittenAtOnceAndTheNextItemOpensAGroup()
    {
        var (writer, batcher) = Build(Linger);

        for (var i = 0; i <= DecisionMessages.MaxItems; i++)
        {
            batcher.Add(Attempt(succeeded: true), Item(i));
        }

        var full = Assert.Single(Drain(writer));
        Assert.Equal(DecisionMessages.MaxItems, full.Items.Count);
        Assert.Equal(1, batcher.Held);
        _clock.Advance(Linger);
        var rest = Assert.Single(Drain(writer));
        Assert.Equal($"e{DecisionMessages.MaxItems}", Assert.Single(rest.Items).Attributes["event_id"]);
    }

    [Fact]
    public async Task Stop_HeldGroupsWrittenAndLaterDecisionsWrittenAtOnce()
    {
        var (writer, batcher) = Build(Linger);
        batcher.Add(Attempt(succeeded: true), Item(0));

        await batcher.StopAsync(TestContext.Current.CancellationToken);
        var atStop = Drain(writer);
        batcher.Add(Attempt(succeeded: true), Item(1));
        var afterStop = Drain(writer);
        _clock.Advance(Linger);

        Assert.Equal("e0", Assert.Single(Assert.Single(atStop).Items).Attributes["event_id"]);
        Assert.Equal("e1", Assert.Single(Assert.Single(afterStop).Items).Attributes["event_id"]);
        Assert.Empty(Drain(writer));
    }

    [Fact]
    public void Add_NoLinger_EveryDecisionARecordOfOneItem()
    {
        var (writer, batcher) = Build(TimeSpan.Zero);

        batcher.Add(Attempt(succeeded: true), Item(0));
        batcher.Add(Attempt(succeeded: true), Item(1));

        Assert.Equal([["e0"], ["e1"]], Drain(writer).Select(r => r.Items.Select(i => i.Attributes["event_id"]).ToArray()));
    }

    [Fact]
    public void Add_DecisionWithItemsOfItsOwn_Refused()
    {
        var (_, batcher) = Build(Linger);

        Assert.Throws<ArgumentException>(() => batcher.Add(Attempt(succeeded: true) with { Items = [Item(0)] }, Item(1)));
    }

    private (DecisionAuditWriter Writer, DecisionItemBatcher Batcher) Build(TimeSpan linger)
    {
        var options = Options.Create(new DecisionAuditOptions { ItemLinger = linger });
        var metrics = new DecisionAuditMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var writer = new DecisionAuditWriter(options, _clock, metrics);
        return (writer, new DecisionItemBatcher(writer, options, _clock));
    }

    private static LaneDecision Attempt(bool succeeded, string reason = "") =>
        new("hr", Lane.Canonical, "webhook:w1", "webhook.deliver", succeeded, reason, "corr-0", Bytes: 120, Duration: TimeSpan.FromMilliseconds(2),
            Attributes: new Dictionary<string, string> { ["endpoint_id"] = "endpoint w1" });

    private static Dictionary<string, string> Item(int n) => new() { ["event_id"] = $"e{n}", ["status"] = "200" };

    private static List<DecisionRecord> Drain(DecisionAuditWriter writer)
    {
        var records = new List<DecisionRecord>();
        while (writer.Reader.TryRead(out var record))
        {
            records.Add(record);
        }

        return records;
    }
}
