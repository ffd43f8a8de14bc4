using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Delivery;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Tests.Delivery;

public sealed class SubscribeTests(EventsPlatform platform) : IClassFixture<EventsPlatform>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribe_PublishedEvent_DeliveredOnceAckedAndAudited()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);

        var published = await PublishAsync(publisher, "u-1");
        var delivery = await NextAsync(call);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = delivery.Event.Id } }, Ct);

        Assert.Equal((published, 1u, "u-1"), (delivery.Event.Id, delivery.Attempt, delivery.Event.Data.Unpack<UserCreated>().UserId));
        var row = Assert.Single(await platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("lane.canonical.deliver", "succeeded"), (row.Action, row.Outcome));
        // Allowed stream deliveries are audited in groups: the delivery is an item, what the group shares an attribute.
        using var details = System.Text.Json.JsonDocument.Parse(row.Details);
        var item = Assert.Single(details.RootElement.GetProperty("items").EnumerateArray().ToList());
        Assert.Equal((published, "1"), (item.GetProperty("event_id").GetString(), item.GetProperty("attempt").GetString()));
        Assert.Equal(("stream", "UserCreated"), (details.RootElement.GetProperty("attributes").GetProperty("mode").GetString(),
            details.RootElement.GetProperty("attributes").GetProperty("event_type").GetString()));
    }

    [Fact]
    public async Task Subscribe_Nack_RedeliveredWithTheSameId()
    {
        var (publisher, subscriber, _) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var published = await PublishAsync(publisher, "u-1");
        var first = await NextAsync(call);

        await call.RequestStream.WriteAsync(new SubscribeRequest { Nack = new Settle { EventId = first.Event.Id, Reason = "database busy" } }, Ct);
        var second = await NextAsync(call);

        Assert.Equal((published, 2u), (second.Event.Id, second.Attempt));
    }

    [Fact]
    public async Task Subscribe_NackedAtMaxDeliveries_DeadLetteredAndAudited()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var published = await PublishAsync(publisher, "u-1");

        // MaxDeliveries is 3 on the test platform.
        for (var attempt = 1u; attempt <= 3; attempt++)
        {
            var delivery = await NextAsync(call);
            Assert.Equal((published, attempt), (delivery.Event.Id, delivery.Attempt));
            await call.RequestStream.WriteAsync(new SubscribeRequest { Nack = new Settle { EventId = published, Reason = "cannot parse" } }, Ct);
        }

        var rows = await platform.AuditRowsAsync(subscriberId, 4);
        var deadLetter = Assert.Single(rows, r => r.Action == "lane.canonical.dead_letter");
        Assert.Equal(RefusalCodes.EventDeadLettered, deadLetter.Reason);
        Assert.Contains("cannot parse", deadLetter.Details, StringComparison.Ordinal);
        var dlq = await platform.JetStream.GetStreamAsync(platform.DeadLetterStream, cancellationToken: Ct);
        var stored = await dlq.GetAsync(new StreamMsgGetRequest { LastBySubj = $"{platform.DeadLetterSubjectPrefix}.{subscriberId}.UserCreated" }, Ct);
        Assert.Equal(published, CanonicalEvent.Parser.ParseFrom(stored.Message.Data.Span).Id);
    }

    [Fact]
    public async Task Subscribe_DeadLetterMoveFailsAtDeliveryMaxPlusOne_MovedAtALaterDelivery()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        var consumerName = $"{subscriberId}_UserCreated";
        using (await OpenAsync(subscriber))
        {
            // The consumer as Core.Events configured it until 2026-12-07 (nats-server stops at MaxDeliveries + 1 = 4
            // deliveries); the next Subscribe updates it.
            var old = await platform.JetStream.GetConsumerAsync(platform.Stream, consumerName, Ct);
            await platform.JetStream.CreateOrUpdateConsumerAsync(platform.Stream, old.Info.Config with { MaxDeliver = 4 }, Ct);
        }

        var deadLetters = await platform.JetStream.GetStreamAsync(platform.DeadLetterStream, cancellationToken: Ct);
        var dlqConfig = deadLetters.Info.Config;
        string published;
        // No stream takes the dead-letter subjects for a while: every move fails.
        await platform.JetStream.UpdateStreamAsync(dlqConfig with { Subjects = [$"broken.{Guid.NewGuid():N}.>"] }, Ct);
        try
        {
            using var call = await OpenAsync(subscriber);
            Assert.Equal(-1, (await platform.JetStream.GetConsumerAsync(platform.Stream, consumerName, Ct)).Info.Config.MaxDeliver);
            published = await PublishAsync(publisher, "u-1");
            // Deliveries 1-3 (MaxDeliveries on the test platform) are never settled; the 4th is to be dead-lettered, and
            // its move fails (the stream then ends, or not: the delivery stays unsettled either way).
            for (var attempt = 1u; attempt <= 3; attempt++)
            {
                var delivery = await NextAsync(call);
                Assert.Equal((published, attempt), (delivery.Event.Id, delivery.Attempt));
            }

            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        }
        finally
        {
            await platform.JetStream.UpdateStreamAsync(dlqConfig, Ct);
        }

        using var again = await OpenAsync(subscriber);
        var stored = await Eventually.ForAsync(async () =>
        {
            try
            {
                return await deadLetters.GetAsync(new StreamMsgGetRequest { LastBySubj = $"{platform.DeadLetterSubjectPrefix}.{subscriberId}.UserCreated" }, Ct);
            }
            catch (NATS.Client.JetStream.NatsJSApiException exception) when (exception.Error.Code == 404)
            {
                return null;
            }
        }, m => m is not null, Within, "the event in the dead-letter stream", CancellationToken.None);
        Assert.Equal(published, CanonicalEvent.Parser.ParseFrom(stored!.Message.Data.Span).Id);
    }

    [Fact]
    public async Task Subscribe_LateNackOfAnEventDeadLetteredAfterTheAckWait_NotDeadLetteredTwice()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var published = await PublishAsync(publisher, "u-1");
        // Deliveries 1-3 (MaxDeliveries on the test platform) time out; Core.Events dead-letters the 4th.
        for (var attempt = 1u; attempt <= 3; attempt++)
        {
            Assert.Equal((published, attempt), ((await NextAsync(call)).Event.Id, call.ResponseStream.Current.Attempt));
        }

        await Eventually.UntilAsync(async () => (await platform.AuditRowsAsync(subscriberId, 1)).Any(r => r.Action == "lane.canonical.dead_letter"),
            Within, "the event dead-lettered", CancellationToken.None);

        // The plugin settles its third delivery late, then acknowledges a later event: settles are read in order, and the
        // stream stays open (a third event arrives on it).
        await call.RequestStream.WriteAsync(new SubscribeRequest { Nack = new Settle { EventId = published, Reason = "late" } }, Ct);
        var later = await PublishAsync(publisher, "u-2");
        Assert.Equal(later, (await NextAsync(call)).Event.Id);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = later } }, Ct);
        var third = await PublishAsync(publisher, "u-3");
        Assert.Equal(third, (await NextAsync(call)).Event.Id);
        // A second dead-letter record would be written while the nack is handled, before the third event is published:
        // it reaches the chain before the third delivery's (grouped, later) record.
        var rows = await Eventually.ForAsync(() => platform.AuditRowsAsync(subscriberId, 1),
            r => r.Any(row => row.Action == "lane.canonical.deliver" && row.Details.Contains(third, StringComparison.Ordinal)), Within,
            "the third delivery audited", CancellationToken.None);

        Assert.Single(rows, r => r.Action == "lane.canonical.dead_letter");
    }

    [Fact]
    public async Task Subscribe_TypeNotSubscribed_RefusedAndAudited()
    {
        var (_, subscriber, subscriberId) = await PairAsync();
        using var call = platform.Client.Subscribe(EventsPlatform.Bearer(subscriber), cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription { EventTypes = { "UserDeleted" } } }, Ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var row = Assert.Single(await platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("lane.canonical.subscribe", "refused", RefusalCodes.EventTypeNotSubscribed, "fabrix.canonical.v1.UserDeleted"),
            (row.Action, row.Outcome, row.Reason, row.Target));
    }

    [Fact]
    public async Task Subscribe_DisabledPluginsToken_RefusedAndAudited()
    {
        var (_, subscriber, subscriberId) = await PairAsync();
        await platform.DisableAsync(subscriberId);
        await platform.WaitForPolicyAsync(subscriberId, p => !p.IsActive, "the subscriber is disabled at Core.Events");
        using var call = platform.Client.Subscribe(EventsPlatform.Bearer(subscriber), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription() }, Ct);
            await call.ResponseStream.MoveNext(Ct);
        });

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var row = Assert.Single(await platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("lane.canonical.subscribe", "refused", RefusalCodes.CallerNotActive), (row.Action, row.Outcome, row.Reason));
    }

    [Fact]
    public async Task Subscribe_SubscriberDisabled_StreamEndsPermissionDenied()
    {
        var (_, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var reading = call.ResponseStream.MoveNext(Ct);

        await platform.DisableAsync(subscriberId);
        var disabledAt = System.Diagnostics.Stopwatch.GetTimestamp();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await reading.WaitAsync(Within, Ct));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(RefusalCodes.CallerNotActive, error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        TestContext.Current.TestOutputHelper?.WriteLine($"stream ended {System.Diagnostics.Stopwatch.GetElapsedTime(disabledAt).TotalMilliseconds:F0} ms after the disable committed");
    }

    [Fact]
    public async Task Subscribe_CoreEventsRestarted_ResumesWithoutLoss()
    {
        var (publisher, subscriber, _) = await PairAsync();
        var call = await OpenAsync(subscriber);
        var unacked = await PublishAsync(publisher, "u-1");
        Assert.Equal(unacked, (await NextAsync(call)).Event.Id);

        call.Dispose();
        await platform.RestartAsync();
        using var resumed = await OpenAsync(subscriber);
        var later = await PublishAsync(publisher, "u-2");

        var received = new HashSet<string>(StringComparer.Ordinal);
        while (!received.IsSupersetOf([unacked, later]))
        {
            var delivery = await NextAsync(resumed);
            received.Add(delivery.Event.Id);
            await resumed.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = delivery.Event.Id } }, Ct);
        }

        Assert.Superset(new HashSet<string>([unacked, later]), received);
    }

    [Fact]
    public async Task Subscribe_DeliveryConnectionLost_EarlierDeliveryNotSettledButRedeliveredAndLaterOnesFlow()
    {
        // What a lost delivery connection does (DeliveryEpoch): an acknowledgement for a delivery that arrived before it
        // is not sent (a restarted nats-server could skip messages for it), JetStream delivers that event again after the
        // ack wait (2 s here), and the subscription consumes afresh, so events published afterwards still arrive.
        var (publisher, subscriber, _) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var before = await PublishAsync(publisher, "u-1");
        var first = await NextAsync(call);
        Assert.Equal((before, 1u), (first.Event.Id, first.Attempt));

        platform.Events.Services.GetRequiredService<DeliveryEpoch>().End();
        await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = before } }, Ct);
        var after = await PublishAsync(publisher, "u-2");

        var attempts = new Dictionary<string, List<uint>>(StringComparer.Ordinal);
        while (!(attempts.ContainsKey(after) && attempts.TryGetValue(before, out var again) && again.Contains(2u)))
        {
            var delivery = await NextAsync(call);
            (attempts.TryGetValue(delivery.Event.Id, out var list) ? list : attempts[delivery.Event.Id] = []).Add(delivery.Attempt);
            await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = delivery.Event.Id } }, Ct);
        }

        Assert.Equal([2u], attempts[before]);

        // The event published after the epoch ended arrives once, at its first delivery or, when the server handed it to
        // the old consume's pull request before that consume's unsubscribe reached it, at its second (after the ack wait):
        // both are what at-least-once delivery allows; never skipped.
        var afterAttempt = Assert.Single(attempts[after]);
        Assert.InRange(afterAttempt, 1u, 2u);
    }

    private async Task<(string PublisherToken, string SubscriberToken, string SubscriberId)> PairAsync()
    {
        var publisherId = TestManifests.NewId("hr");
        var subscriberId = TestManifests.NewId("acct");
        var publisher = await platform.InstallActiveAsync(EventsPlatform.Manifest(publisherId, ["UserCreated"], []));
        var subscriber = await platform.InstallActiveAsync(EventsPlatform.Manifest(subscriberId, [], ["UserCreated"]));
        return (publisher, subscriber, subscriberId);
    }

    private async Task<AsyncDuplexStreamingCall<SubscribeRequest, Contracts.Events.V1.Delivery>> OpenAsync(string token)
    {
        var call = platform.Client.Subscribe(EventsPlatform.Bearer(token), cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription() }, Ct);
        await call.ResponseHeadersAsync.WaitAsync(Within, Ct);
        return call;
    }

    private async Task<string> PublishAsync(string token, string userId) =>
        (await platform.Client.PublishAsync(new PublishRequest { Data = Any.Pack(new UserCreated { UserId = userId, DisplayName = "Ada" }) },
            EventsPlatform.Bearer(token), cancellationToken: Ct)).EventId;

    private static async Task<Contracts.Events.V1.Delivery> NextAsync(AsyncDuplexStreamingCall<SubscribeRequest, Contracts.Events.V1.Delivery> call)
    {
        Assert.True(await call.ResponseStream.MoveNext(Ct).WaitAsync(Within, Ct), "the stream ended");
        return call.ResponseStream.Current;
    }
}
