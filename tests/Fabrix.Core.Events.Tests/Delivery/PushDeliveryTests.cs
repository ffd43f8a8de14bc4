using System.Text;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Events.Delivery.Push;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Tests.Delivery;

/// <summary>
/// HTTP push delivery (issue 11 section 3) on the real platform pieces: the registry issues the push secret at
/// registration and hands it to Core.Events over PushTargets; Core.Events POSTs signed CloudEvents to a loopback receiver.
/// </summary>
public sealed class PushDeliveryTests(EventsPlatform platform) : IClassFixture<EventsPlatform>, IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private static readonly CanonicalEventType UserCreated = CanonicalEventTypes.Find("UserCreated")!;
    private readonly PushReceiver _receiver = new();
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _receiver.InitializeAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

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
        var row = Assert.Single(await platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("lane.canonical.deliver", "succeeded"), (row.Action, row.Outcome));
        var attributes = Attributes(row);
        Assert.Equal(("push", "200", published), (attributes["mode"], attributes["status"], attributes["event_id"]));
    }

    [Fact]
    public async Task Push_PluginAnswers500_RedeliveredWithTheSameId()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        _receiver.Answers[path] = new([500]);

        var published = await PublishAsync(publisher, "u-2");
        var pushes = await PushesAsync(path, 2);

        Assert.Equal([(published, "1"), (published, "2")], pushes.Select(p => (p.Id, p.Attempt)));
        var rows = await platform.AuditRowsAsync(subscriberId, 2);
        Assert.Equal([("refused", RefusalCodes.EventPushFailed, "500"), ("succeeded", "allowed", "200")],
            rows.Select(r => (r.Outcome, r.Reason, Attributes(r)["status"])));
    }

    [Fact]
    public async Task Push_FailingAtEveryDelivery_DeadLetteredAfterMaxDeliveries()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        _receiver.AlwaysFail[path] = true;

        var published = await PublishAsync(publisher, "u-3");

        // MaxDeliveries is 3 on the test platform.
        var rows = await platform.AuditRowsAsync(subscriberId, 4);
        var deadLetter = Assert.Single(rows, r => r.Action == "lane.canonical.dead_letter");
        Assert.Contains("HTTP 500", deadLetter.Details, StringComparison.Ordinal);
        Assert.Equal(3, _receiver.At(path).Count(p => p.Id == published));
        var dlq = await platform.JetStream.GetStreamAsync(platform.DeadLetterStream, cancellationToken: Ct);
        var stored = await dlq.GetAsync(new StreamMsgGetRequest { LastBySubj = $"{platform.DeadLetterSubjectPrefix}.{subscriberId}.UserCreated" }, Ct);
        Assert.Equal(published, CanonicalEvent.Parser.ParseFrom(stored.Message.Data.Span).Id);
    }

    [Fact]
    public async Task Push_SubscriberLacksTheTrait_NothingPostedRefusalAudited()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        await SetTraitAsync(subscriberId, present: false, publishRate: 10);
        var dispatcher = platform.Events.Services.GetRequiredService<PushDispatcher>();
        var startsBefore = dispatcher.Starts(subscriberId, UserCreated);

        var published = await PublishAsync(publisher, "u-4");

        // The dispatcher's pass for the trait's removal may run before or after the refusal: wait until the refusal is
        // recorded and a whole pass has run after it. Neither that pass nor any other may start the pump again (the change
        // is no later than the revision the refusal was decided against), so the delivery is refused and audited once.
        await platform.AuditRowsAsync(subscriberId, 1);
        await Eventually.UntilAsync(() => Task.FromResult(dispatcher.IsRefused(subscriberId, UserCreated)), Within, "the refusal is recorded", Ct);
        var passes = dispatcher.Passes;
        await Eventually.UntilAsync(() => Task.FromResult(dispatcher.Passes >= passes + 2), Within, "a whole dispatcher pass after the refusal", Ct);

        Assert.Equal(startsBefore, dispatcher.Starts(subscriberId, UserCreated));
        var row = Assert.Single(await platform.AuditRowsAsync(subscriberId, 1));
        Assert.Equal(("refused", RefusalCodes.EventClassificationNotAllowed), (row.Outcome, row.Reason));
        Assert.Equal(("push", published), (Attributes(row)["mode"], Attributes(row)["event_id"]));
        Assert.Empty(_receiver.At(path));
    }

    [Fact]
    public async Task Push_TraitRestoredAfterARefusal_RefusedEventPosted()
    {
        var publisher = await PublisherAsync();
        var (subscriberId, path, _) = await PushSubscriberAsync();
        await SetTraitAsync(subscriberId, present: false, publishRate: 10);
        var dispatcher = platform.Events.Services.GetRequiredService<PushDispatcher>();
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
        await platform.DisableAsync(disabledId);
        await platform.WaitForPolicyAsync(disabledId, p => !p.IsActive, "the subscriber is disabled at Core.Events");

        var published = await PublishAsync(publisher, "u-5");
        await PushesAsync(markerPath, 1);
        var whileDisabled = _receiver.At(disabledPath);
        await platform.EnableAsync(disabledId);

        Assert.Empty(whileDisabled);
        Assert.Equal(published, Assert.Single(await PushesAsync(disabledPath, 1)).Id);
    }

    [Fact]
    public async Task Subscribe_PushSubscriber_FailedPrecondition()
    {
        var (id, _, _) = await PushSubscriberAsync();
        using var call = platform.Client.Subscribe(EventsPlatform.Bearer(_tokens[id]), cancellationToken: Ct);
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

        await platform.Admin.RotatePushSecretAsync(new Fabrix.Contracts.Registry.V1.RotatePushSecretRequest { Id = subscriberId, Reason = "rotation" },
            platform.Manager, cancellationToken: Ct);
        var current = (await platform.Plugins.RenewTokenAsync(new Fabrix.Contracts.Registry.V1.RenewTokenRequest(),
            EventsPlatform.Bearer(_tokens[subscriberId]), cancellationToken: Ct)).PushSecret;

        // Core.Events reads the targets again within its refresh interval (0.5 s here); from then on every push carries
        // one v1 entry per valid secret. Pushes before that carry the previous one only, which the plugin still accepts.
        ReceivedPush? signedTwice = null;
        await Eventually.UntilAsync(async () =>
        {
            var published = await PublishAsync(publisher, "u-7");
            var push = (await Eventually.ForAsync(() => Task.FromResult(_receiver.At(path).Where(p => p.Id == published).ToList()),
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

    /// <summary>
    /// Drops or restores the subscriber's <c>handles_pii</c> in the registry's table (no valid manifest subscribes to a pii
    /// type without it), then makes a policy revision name the plugin (a lane limit; an upgrade changing traits reaches the
    /// lanes the same way) and waits until Core.Events holds it.
    /// </summary>
    private async Task SetTraitAsync(string pluginId, bool present, int publishRate)
    {
        await platform.ExecuteAsync(present
            ? "update plugins set traits = array_append(traits, 'handles_pii') where id = @id"
            : "update plugins set traits = array_remove(traits, 'handles_pii') where id = @id", ("id", pluginId));
        await platform.PolicyAdmin.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = pluginId,
            Canonical = new CanonicalLaneLimits { PublishRequestsPerSecond = publishRate },
            Reason = "touch the policy",
        }, platform.Manager, cancellationToken: Ct);
        await platform.WaitForPolicyAsync(pluginId, p => p.Traits.Contains("handles_pii") == present,
            present ? "the trait is back at Core.Events" : "the trait is gone at Core.Events");
    }

    private async Task<string> PublisherAsync() =>
        await platform.InstallActiveAsync(EventsPlatform.Manifest(TestManifests.NewId("hr"), ["UserCreated"], []));

    /// <summary>An active push subscriber to UserCreated whose address is the receiver; waits until Core.Events pushes to it.</summary>
    private async Task<(string Id, string Path, string Secret)> PushSubscriberAsync()
    {
        var id = TestManifests.NewId("acct");
        var path = $"/push/{id}";
        var manifest = EventsPlatform.Manifest(id, [], ["UserCreated"]);
        manifest["events"]!["delivery"] = "push";
        manifest["events"]!["push_path"] = path;
        var registered = await platform.InstallActiveAsync(manifest, _receiver.Address);
        var secret = registered.GetProperty("push_secret").GetString()!;
        _tokens[id] = registered.GetProperty("token").GetString()!;
        var consumer = Fabrix.Core.Events.Delivery.SubscriptionConsumers.NameOf(id, CanonicalEventTypes.Find("UserCreated")!);
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                var info = await platform.JetStream.GetConsumerAsync(platform.Stream, consumer, Ct);
                return info.Info.NumWaiting > 0;
            }
            catch (NATS.Client.JetStream.NatsJSApiException exception) when (exception.Error.Code == 404)
            {
                // Core.Events creates the consumer once its snapshot shows the plugin active, which may be after this look.
                return false;
            }
        }, Within, $"Core.Events pulls for {id}", Ct);
        return (id, path, secret);
    }

    private async Task<string> PublishAsync(string token, string userId) =>
        (await platform.Client.PublishAsync(new PublishRequest { Data = Any.Pack(new UserCreated { UserId = userId, DisplayName = "Ada" }) },
            EventsPlatform.Bearer(token), cancellationToken: Ct)).EventId;

    private Task<IReadOnlyList<ReceivedPush>> PushesAsync(string path, int atLeast) =>
        Eventually.ForAsync(() => Task.FromResult(_receiver.At(path)), pushes => pushes.Count >= atLeast, Within, $"{atLeast} pushes to {path}", Ct);

    private static Dictionary<string, string> Attributes(AuditRow row) =>
        JsonNode.Parse(row.Details)!["attributes"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
}
