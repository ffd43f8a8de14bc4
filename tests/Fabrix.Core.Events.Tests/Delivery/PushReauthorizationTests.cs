using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Testing;

namespace Fabrix.Core.Events.Tests.Delivery;

/// <summary>The lane with one push at a time per (plugin, type), each allowed 20 s: a delivery can wait long for its slot.</summary>
public sealed class SlowPushPlatform(PostgresServer postgres, NatsServer nats) : EventsPlatform(postgres, nats)
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Fabrix:Events:Delivery:AckWait"] = "00:00:30";
        settings["Fabrix:Events:Push:RequestTimeout"] = "00:00:20";
        settings["Fabrix:Events:Push:MaxConcurrency"] = "1";
    }
}

/// <summary>A push authorized before it waited for a slot is decided again once it has one (issue 11 section 3: default deny at delivery time).</summary>
public sealed class PushReauthorizationTests(SlowPushPlatform platform) : PushTestsBase<SlowPushPlatform>(platform), IClassFixture<SlowPushPlatform>
{
    [Fact]
    public async Task Push_TraitDroppedWhileADeliveryWaitsForASlot_NotPostedRefusalAudited()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Receiver.Holds[path] = release.Task;
        var first = await PublishAsync(publisher, "u-1");
        // The first push holds the one slot; the pump has taken the second event, authorized it, and waits for the slot.
        await PushesAsync(path, 1);
        var second = await PublishAsync(publisher, "u-2");
        var consumer = Fabrix.Core.Events.Delivery.SubscriptionConsumers.NameOf(subscriberId, UserCreated);
        await Eventually.UntilAsync(async () => (await Platform.JetStream.GetConsumerAsync(Platform.Stream, consumer, Ct)).Info.NumAckPending >= 2,
            Within, "the second event delivered to Core.Events' pump", Ct);

        await SetTraitAsync(subscriberId, present: false, publishRate: 10);
        release.SetResult();

        var rows = await Eventually.ForAsync(() => Platform.AuditRowsAsync(subscriberId, 2), r => r.Any(row => row.Outcome == "refused"), Within,
            "the refused delivery of the second event", Ct);
        // Refused where it waited (attempt 1) and put back; the pump's next delivery of it is refused too and ends the pump.
        var refused = rows.Where(r => r.Outcome == "refused").ToList();
        Assert.All(refused, r => Assert.Equal((RefusalCodes.EventClassificationNotAllowed, second), (r.Reason, Attributes(r)["event_id"])));
        Assert.Contains(refused, r => Attributes(r)["attempt"] == "1");
        Assert.Equal(first, Assert.Single(Receiver.At(path)).Id);
    }
}
