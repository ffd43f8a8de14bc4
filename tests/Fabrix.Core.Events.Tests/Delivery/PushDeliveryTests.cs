using System.Text;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Events.Delivery.Push;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Tests.Delivery;

/// <summary>
/// HTTP push delivery (issue 11 section 3) on the real platform pieces: the registry issues the push secret at
/// registration and hands it to Core.Events over PushTargets; Core.Events POSTs signed CloudEvents to a loopback receiver.
/// </summary>
public sealed class PushDeliveryTests(EventsPlatform platform) : PushTestsBase<EventsPlatform>(platform), IClassFixture<EventsPlatform>
{
    [Fact]
    public async Task Push_PublishedEvent_PostedSignedAndAudited()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, secret) = await PushSubscriberAsync();

        var published = await PublishAsync(publisher, "u-1");
        var push = Assert.Single(await PushesAsync(path, 1));

        Assert.True(WebhookSecret.TryParse(secret, out var key));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(key, push.Id, push.Timestamp, push.Signature, push.Body, DateTimeOffset.UtcNow));
        Assert.Equal((published, "1", "application/cloudevents+json"), (push.Id, push.Attempt, push.ContentType));
        var envelope = CloudEventJson.Read(Encoding.UTF8.GetString(push.Body));
        Assert.Equal((published, "u-1"), (envelope.Id, envelope.Data.Unpack<UserCreated>().UserId));
        var row = Assert.Single(await Platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("lane.canonical.deliver", "succeeded"), (row.Action, row.Outcome));
        var attributes = Attributes(row);
        Assert.Equal(("push", "200", published), (attributes["mode"], attributes["status"], attributes["event_id"]));
    }

    [Fact]
    public async Task Push_PluginAnswers500_RedeliveredWithTheSameId()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        Receiver.Answers[path] = new([500]);

        var published = await PublishAsync(publisher, "u-2");
        var pushes = await PushesAsync(path, 2);

        Assert.Equal([(published, "1"), (published, "2")], pushes.Select(p => (p.Id, p.Attempt)));
        var rows = await Platform.AuditRowsAsync(subscriberId, 2);
        Assert.Equal([("refused", RefusalCodes.EventPushFailed, "500"), ("succeeded", "allowed", "200")],
            rows.Select(r => (r.Outcome, r.Reason, Attributes(r)["status"])));
    }

    [Fact]
    public async Task Push_FailingAtEveryDelivery_DeadLetteredAfterMaxDeliveries()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        Receiver.AlwaysFail[path] = true;

        var published = await PublishAsync(publisher, "u-3");

        // MaxDeliveries is 3 on the test Platform.
        var rows = await Platform.AuditRowsAsync(subscriberId, 4);
        var deadLetter = Assert.Single(rows, r => r.Action == "lane.canonical.dead_letter");
        Assert.Contains("HTTP 500", deadLetter.Details, StringComparison.Ordinal);
        Assert.Equal(3, Receiver.At(path).Count(p => p.Id == published));
        var dlq = await Platform.JetStream.GetStreamAsync(Platform.DeadLetterStream, cancellationToken: Ct);
        var stored = await dlq.GetAsync(new StreamMsgGetRequest { LastBySubj = $"{Platform.DeadLetterSubjectPrefix}.{subscriberId}.UserCreated" }, Ct);
        Assert.Equal(published, CanonicalEvent.Parser.ParseFrom(stored.Message.Data.Span).Id);
    }

    [Fact]
    public async Task Push_SubscriberLacksTheTrait_NothingPostedRefusalAudited()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        await SetTraitAsync(subscriberId, present: false, publishRate: 10);
        var dispatcher = Platform.Events.Services.GetRequiredService<PushDispatcher>();
        var startsBefore = dispatcher.Starts(subscriberId, UserCreated);

        var published = await PublishAsync(publisher, "u-4");

        // The dispatcher's pass for the trait's removal may run before or after the refusal: wait until the refusal is
        // recorded and a whole pass has run after it. Neither that pass nor any other may start the pump again (the change
        // is no later than the revision the refusal was decided against), so the delivery is refused and audited once.
        await Platform.AuditRowsAsync(subscriberId, 1);
        await Eventually.UntilAsync(() => Task.FromResult(dispatcher.IsRefused(subscriberId, UserCreated)), Within, "the refusal is recorded", Ct);
        var passes = dispatcher.Passes;
        await Eventually.UntilAsync(() => Task.FromResult(dispatcher.Passes >= passes + 2), Within, "a whole dispatcher pass after the refusal", Ct);

        Assert.Equal(startsBefore, dispatcher.Starts(subscriberId, UserCreated));
        var row = Assert.Single(await Platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("refused", RefusalCodes.EventClassificationNotAllowed), (row.Outcome, row.Reason));
        Assert.Equal(("push", published), (Attributes(row)["mode"], Attributes(row)["event_id"]));
        Assert.Empty(Receiver.At(path));
    }

    [Fact]
    public async Task Push_TraitRestoredAfterARefusal_RefusedEventPosted()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        await SetTraitAsync(subscriberId, present: false, publishRate: 10);
        var dispatcher = Platform.Events.Services.GetRequiredService<PushDispatcher>();
        var published = await PublishAsync(publisher, "u-6");
        await Eventually.UntilAsync(() => Task.FromResult(dispatcher.IsRefused(subscriberId, UserCreated)), Within, "the refusal is recorded", Ct);

        // A later revision names the plugin again: the refusal is lifted and the refused (nacked) event is pushed.
        await SetTraitAsync(subscriberId, present: true, publishRate: 11);

        Assert.Equal(published, (await PushesAsync(path, 1))[0].Id);
    }

    [Fact]
    public async Task Push_SubscriberDisabled_NothingPostedUntilEnabledAgain()
    {
        var publisher = await PublisherAsync();
        var (disabledId, disabledPath, _) = await PushSubscriberAsync();
        var (_, markerPath, _) = await PushSubscriberAsync();
        await Platform.DisableAsync(disabledId);
        await Platform.WaitForPolicyAsync(disabledId, p => !p.IsActive, "the subscriber is disabled at Core.Events");

        var published = await PublishAsync(publisher, "u-5");
        await PushesAsync(markerPath, 1);
        var whileDisabled = Receiver.At(disabledPath);
        await Platform.EnableAsync(disabledId);

        Assert.Empty(whileDisabled);
        Assert.Equal(published, Assert.Single(await PushesAsync(disabledPath, 1)).Id);
    }

    [Fact]
    public async Task Subscribe_PushSubscriber_FailedPrecondition()
    {
        var (id, _, _) = await PushSubscriberAsync();
        using var call = Platform.Client.Subscribe(EventsPlatform.Bearer(Tokens[id]), cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription() }, Ct);
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("HTTP push", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_AfterRotation_SignedWithTheNewAndThePreviousSecret()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, previous) = await PushSubscriberAsync();

        await Platform.Admin.RotatePushSecretAsync(new Fabrix.Contracts.Registry.V1.RotatePushSecretRequest { Id = subscriberId, Reason = "rotation" },
            Platform.Manager, cancellationToken: Ct);
        var current = (await Platform.Plugins.RenewTokenAsync(new Fabrix.Contracts.Registry.V1.RenewTokenRequest(),
            EventsPlatform.Bearer(Tokens[subscriberId]), cancellationToken: Ct)).PushSecret;

        // Core.Events reads the targets again within its refresh interval (0.5 s here); from then on every push carries
        // one v1 entry per valid secret. Pushes before that carry the previous one only, which the plugin still accepts.
        ReceivedPush? signedTwice = null;
        await Eventually.UntilAsync(async () =>
        {
            var published = await PublishAsync(publisher, "u-7");
            var push = (await Eventually.ForAsync(() => Task.FromResult(Receiver.At(path).Where(p => p.Id == published).ToList()),
                pushes => pushes.Count > 0, Within, $"the push of {published}", Ct))[0];
            signedTwice = push.Signature?.Split(' ').Length == 2 ? push : null;
            return signedTwice is not null;
        }, Within, "a push signed with both secrets", Ct);

        Assert.NotEqual(previous, current);
        foreach (var secret in new[] { current, previous })
        {
            Assert.True(WebhookSecret.TryParse(secret, out var key));
            Assert.Equal(WebhookVerification.Valid,
                WebhookSignature.Verify(key, signedTwice!.Id, signedTwice.Timestamp, signedTwice.Signature, signedTwice.Body, DateTimeOffset.UtcNow));
        }
    }
}
