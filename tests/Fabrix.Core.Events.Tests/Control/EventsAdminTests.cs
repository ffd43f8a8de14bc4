using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Fabrix.Core.Events.Tests.Control;

/// <summary>
/// EventsAdmin end to end (issue 11 sections 3 and 5): the registry's administrator calls, executed by Core.Events over
/// the NATS control subjects, on real PostgreSQL, NATS and JetStream.
/// </summary>
public sealed class EventsAdminTests(EventsPlatform platform) : IClassFixture<EventsPlatform>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReplayDeadLetter_DeadLetteredEvent_DeliveredToItsSubscriberAgainAndAudited()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var published = await PublishAsync(publisher, "u-1");
        var letter = await DeadLetterAsync(call, subscriberId, published);

        var replayed = await platform.EventsAdmin.ReplayDeadLetterAsync(new ReplayDeadLetterRequest { Sequence = letter.Sequence, Reason = "handler fixed" },
            Manager, cancellationToken: Ct);
        var delivery = await NextAsync(call);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = delivery.Event.Id } }, Ct);

        Assert.Equal((subscriberId, published), (replayed.PluginId, replayed.EventId));
        Assert.Equal((published, 1u), (delivery.Event.Id, delivery.Attempt));
        var remaining = await platform.EventsAdmin.ListDeadLettersAsync(new ListDeadLettersRequest { PluginId = subscriberId }, Manager, cancellationToken: Ct);
        Assert.Empty(remaining.DeadLetters);
        var registryRow = Assert.Single(await platform.RegistryAuditRowsAsync("events.dead_letter.replay"), r => r.Target == $"dead_letter:{letter.Sequence}");
        Assert.Equal(("succeeded", "handler fixed"), (registryRow.Outcome, registryRow.Reason));
        var laneRows = await Eventually.ForAsync(() => platform.AuditRowsAsync(subscriberId, 1),
            rows => rows.Any(r => r.Action == "lane.canonical.replay_dead_letter"), Within, "the lane's replay decision", Ct);
        Assert.Contains(published, Assert.Single(laneRows, r => r.Action == "lane.canonical.replay_dead_letter").Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayDeadLetter_OtherSubscriberOfTheType_DoesNotReceiveTheReplay()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        var otherId = TestManifests.NewId("um");
        var other = await platform.InstallActiveAsync(EventsPlatform.Manifest(otherId, [], ["UserCreated"]));
        using var call = await OpenAsync(subscriber);
        using var otherCall = await OpenAsync(other);
        var published = await PublishAsync(publisher, "u-1");
        var first = await NextAsync(otherCall);
        await otherCall.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = first.Event.Id } }, Ct);
        var letter = await DeadLetterAsync(call, subscriberId, published);

        await platform.EventsAdmin.ReplayDeadLetterAsync(new ReplayDeadLetterRequest { Sequence = letter.Sequence, Reason = "retry" }, Manager, cancellationToken: Ct);
        Assert.Equal(published, (await NextAsync(call)).Event.Id);
        var later = await PublishAsync(publisher, "u-2");

        // The other subscriber's consumer saw the replay before the later event (same subject, stored first) and skipped it.
        Assert.Equal(later, (await NextAsync(otherCall)).Event.Id);
    }

    [Fact]
    public async Task ReplaySubscription_FromSequence_RedeliversTheStoredEvents()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        var ids = new List<string>();
        ulong firstSequence;
        using (var call = await OpenAsync(subscriber))
        {
            var first = await platform.Client.PublishAsync(new PublishRequest { Data = Any.Pack(new UserCreated { UserId = "u-1", DisplayName = "Ada" }) },
                EventsPlatform.Bearer(publisher), cancellationToken: Ct);
            firstSequence = first.Sequence;
            ids.Add(first.EventId);
            ids.Add(await PublishAsync(publisher, "u-2"));
            foreach (var _ in ids)
            {
                var delivery = await NextAsync(call);
                await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = delivery.Event.Id } }, Ct);
            }

            await call.RequestStream.CompleteAsync();
        }

        var replay = await platform.EventsAdmin.ReplaySubscriptionAsync(new ReplaySubscriptionRequest
        {
            PluginId = subscriberId, EventType = "UserCreated", FromSequence = firstSequence, Reason = "rebuild the read model",
        }, Manager, cancellationToken: Ct);
        using var resumed = await OpenAsync(subscriber);
        var again = new List<string> { (await NextAsync(resumed)).Event.Id, (await NextAsync(resumed)).Event.Id };

        Assert.Equal(2ul, replay.Pending);
        Assert.Equal(ids, again);
        Assert.Single(await platform.RegistryAuditRowsAsync("events.subscription.replay"), r => r.Target == $"subscription:{subscriberId}/UserCreated");
        await Eventually.ForAsync(() => platform.AuditRowsAsync(subscriberId, 1), rows => rows.Any(r => r.Action == "lane.canonical.replay_subscription"),
            Within, "the lane's replay decision", Ct);
    }

    [Fact]
    public async Task ListSubscriptions_NothingDeliveredYet_ShowsTheConsumerItsLagAndNoLastDelivery()
    {
        var (publisher, _, subscriberId) = await PairAsync();
        await PublishAsync(publisher, "u-1");
        await PublishAsync(publisher, "u-2");

        var listed = await platform.EventsAdmin.ListSubscriptionsAsync(new ListSubscriptionsRequest { PluginId = subscriberId },
            platform.AdministratorAs("avery", AdminRoles.AuditViewer), cancellationToken: Ct);

        var state = Assert.Single(listed.Subscriptions);
        Assert.Equal((subscriberId, "UserCreated", 2ul), (state.PluginId, state.EventType, state.Pending));
        Assert.Null(state.LastDeliveredAt);
    }

    [Fact]
    public async Task GetDeadLetter_AuditViewer_MetadataWithoutThePiiPayload()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var published = await PublishAsync(publisher, "u-secret");
        var letter = await DeadLetterAsync(call, subscriberId, published);

        var viewed = await platform.EventsAdmin.GetDeadLetterAsync(new GetDeadLetterRequest { Sequence = letter.Sequence },
            platform.AdministratorAs("avery", AdminRoles.AuditViewer), cancellationToken: Ct);

        Assert.Equal((published, "pii", true, string.Empty), (viewed.DeadLetter.EventId, viewed.DeadLetter.Classification, viewed.PayloadWithheld, viewed.EventJson));
        Assert.DoesNotContain(await platform.RegistryAuditRowsAsync("events.dead_letter.payload.read"), r => r.Target == $"dead_letter:{letter.Sequence}");
    }

    [Fact]
    public async Task GetDeadLetter_Admin_PayloadAndTheViewAudited()
    {
        var (publisher, subscriber, subscriberId) = await PairAsync();
        using var call = await OpenAsync(subscriber);
        var published = await PublishAsync(publisher, "u-secret");
        var letter = await DeadLetterAsync(call, subscriberId, published);

        var viewed = await platform.EventsAdmin.GetDeadLetterAsync(new GetDeadLetterRequest { Sequence = letter.Sequence },
            platform.AdministratorAs("ada", AdminRoles.Admin), cancellationToken: Ct);

        Assert.False(viewed.PayloadWithheld);
        Assert.Contains("u-secret", viewed.EventJson, StringComparison.Ordinal);
        var row = Assert.Single(await platform.RegistryAuditRowsAsync("events.dead_letter.payload.read"), r => r.Target == $"dead_letter:{letter.Sequence}");
        Assert.Equal(("user:ada", "succeeded"), (row.Actor, row.Outcome));
    }

    [Fact]
    public async Task ReplayDeadLetter_AuditViewer_RefusedPermissionDeniedAndAudited()
    {
        var exception = await Assert.ThrowsAsync<RpcException>(() => platform.EventsAdmin.ReplayDeadLetterAsync(
            new ReplayDeadLetterRequest { Sequence = 424242, Reason = "curious" }, platform.AdministratorAs("avery", AdminRoles.AuditViewer), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, exception.StatusCode);
        var row = Assert.Single(await platform.RegistryAuditRowsAsync("events.dead_letter.replay"), r => r.Target == "dead_letter:424242");
        Assert.Equal(("user:avery", "refused"), (row.Actor, row.Outcome));
    }

    [Fact]
    public async Task ReplayDeadLetter_UnknownSequence_NotFoundAndAudited()
    {
        var exception = await Assert.ThrowsAsync<RpcException>(() => platform.EventsAdmin.ReplayDeadLetterAsync(
            new ReplayDeadLetterRequest { Sequence = 999_999, Reason = "retry" }, Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, exception.StatusCode);
        var row = Assert.Single(await platform.RegistryAuditRowsAsync("events.dead_letter.replay"), r => r.Target == "dead_letter:999999");
        Assert.Contains(RefusalCodes.DeadLetterNotFound, row.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListEventTypesAndRecentEvents_AfterAPublish_NamePublisherSubscriberAndTheEvent()
    {
        var (publisher, _, subscriberId) = await PairAsync();
        var published = await PublishAsync(publisher, "u-1");
        var viewer = platform.AdministratorAs("avery", AdminRoles.AuditViewer);

        var recent = await Eventually.ForAsync(
            async () => (await platform.EventsAdmin.ListRecentEventsAsync(new ListRecentEventsRequest { Limit = 500 }, viewer, cancellationToken: Ct)).Events,
            events => events.Any(e => e.EventId == published), Within, "the publish in the recent events", Ct);
        var types = await platform.EventsAdmin.ListEventTypesAsync(new ListEventTypesRequest(), viewer, cancellationToken: Ct);

        var evt = Assert.Single(recent, e => e.EventId == published);
        Assert.Equal(("UserCreated", "pii"), (evt.EventType, evt.Classification));
        var userCreated = Assert.Single(types.Types_, t => t.Name == "UserCreated");
        Assert.Contains(evt.Publisher, userCreated.MayPublish);
        Assert.Contains(evt.Publisher, userCreated.DidPublish);
        Assert.Contains(subscriberId, userCreated.MaySubscribe);
        var after = await platform.EventsAdmin.ListRecentEventsAsync(new ListRecentEventsRequest { AfterSequence = evt.Sequence }, viewer, cancellationToken: Ct);
        Assert.DoesNotContain(after.Events, e => e.EventId == published);
    }

    [Fact]
    public async Task ListRecentEvents_BatchPublish_EveryEventListedInOrderUnderOneSequenceAndTheCursorSkipsThemAll()
    {
        var (publisher, _, _) = await PairAsync();
        var batch = new PublishBatchRequest();
        batch.Events.Add(Enumerable.Range(0, 3).Select(i => new PublishRequest { Data = Any.Pack(new UserCreated { UserId = $"b-{i}", DisplayName = "Ada" }) }));
        var published = (await platform.Client.PublishBatchAsync(batch, EventsPlatform.Bearer(publisher), cancellationToken: Ct)).Results
            .Select(r => r.Stored.EventId).ToList();
        var viewer = platform.AdministratorAs("avery", AdminRoles.AuditViewer);

        var recent = await Eventually.ForAsync(
            async () => (await platform.EventsAdmin.ListRecentEventsAsync(new ListRecentEventsRequest { Limit = 500 }, viewer, cancellationToken: Ct)).Events,
            events => published.All(id => events.Any(e => e.EventId == id)), Within, "the batch in the recent events", Ct);
        var listed = recent.Where(e => published.Contains(e.EventId)).ToList();
        var fromBefore = await platform.EventsAdmin.ListRecentEventsAsync(new ListRecentEventsRequest { AfterSequence = listed[0].Sequence - 1, Limit = 1 },
            viewer, cancellationToken: Ct);
        var after = await platform.EventsAdmin.ListRecentEventsAsync(new ListRecentEventsRequest { AfterSequence = listed[0].Sequence }, viewer, cancellationToken: Ct);

        Assert.Equal(published, listed.Select(e => e.EventId));
        Assert.Single(listed.Select(e => e.Sequence).Distinct());
        Assert.Equal([0, 1, 2], listed.Select(e => e.Item));
        Assert.All(listed, e => Assert.Equal(("UserCreated", "pii", false), (e.EventType, e.Classification, e.Duplicate)));
        // A page never splits a row: limit 1 from just before the batch's row still returns all three of its events.
        Assert.Equal(published, fromBefore.Events.Where(e => e.Sequence == listed[0].Sequence).Select(e => e.EventId));
        Assert.DoesNotContain(after.Events, e => published.Contains(e.EventId));
    }

    private Metadata Manager => platform.Manager;

    /// <summary>Nacks <paramref name="eventId"/> until it is dead-lettered (MaxDeliveries is 3 here) and returns its dead letter.</summary>
    private async Task<DeadLetter> DeadLetterAsync(AsyncDuplexStreamingCall<SubscribeRequest, Contracts.Events.V1.Delivery> call, string subscriberId, string eventId)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var delivery = await NextAsync(call);
            Assert.Equal(eventId, delivery.Event.Id);
            await call.RequestStream.WriteAsync(new SubscribeRequest { Nack = new Settle { EventId = eventId, Reason = "cannot parse" } }, Ct);
        }

        var listed = await Eventually.ForAsync(
            async () => await platform.EventsAdmin.ListDeadLettersAsync(new ListDeadLettersRequest { PluginId = subscriberId }, Manager, cancellationToken: Ct),
            response => response.DeadLetters.Any(d => d.EventId == eventId), Within, "the dead letter", Ct);
        var letter = Assert.Single(listed.DeadLetters);
        Assert.Equal(("UserCreated", 3u), (letter.EventType, letter.Deliveries));
        return letter;
    }

    private async Task<(string PublisherToken, string SubscriberToken, string SubscriberId)> PairAsync()
    {
        var publisherId = TestManifests.NewId("hr");
        var subscriberId = TestManifests.NewId("acct");
        var publisher = await platform.InstallActiveAsync(EventsPlatform.Manifest(publisherId, ["UserCreated"], []));
        var subscriber = await platform.InstallActiveAsync(EventsPlatform.Manifest(subscriberId, [], ["UserCreated"]));
        await Eventually.ForAsync(
            async () => (await platform.EventsAdmin.ListSubscriptionsAsync(new ListSubscriptionsRequest { PluginId = subscriberId }, Manager, cancellationToken: Ct)).Subscriptions,
            subscriptions => subscriptions.Count == 1, Within, $"the consumer of {subscriberId}", Ct);
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
