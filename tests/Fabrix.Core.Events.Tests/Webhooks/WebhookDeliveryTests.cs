using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>
/// Outbound webhook delivery end to end on real PostgreSQL and NATS (issue 11 section 4): endpoints added through the
/// registry, events published through Core.Events, attempts made to a loopback receiver through the egress connector,
/// every attempt in the delivery log (the decision audit), the schedule, 410, Retry-After, auto-disable, a refused
/// address, a restart, and a manual retry.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookPlatform platform) : IClassFixture<WebhookPlatform>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deliver_PublishedEvent_SignedPerStandardWebhooksAndLogged()
    {
        var path = "/signed/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        var received = await ReceivedAsync(path, eventId, 1);

        var request = received[0];
        Assert.True(WebhookSecret.TryParse(endpoint.Secret, out var key));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(key, request.Id, request.Timestamp, request.Signature, request.Body, DateTimeOffset.UtcNow));
        Assert.Single(request.Signature!.Split(' '));
        var envelope = CloudEventJson.Read(System.Text.Encoding.UTF8.GetString(request.Body));
        Assert.Equal((eventId, "fabrix.canonical.v1.UserDeleted"), (envelope.Id, envelope.Type));
        var log = await DeliveriesAsync(endpoint.Endpoint.Id, 1);
        Assert.Equal((eventId, 1, 200, true, "ok"), (log[0].EventId, log[0].Attempt, log[0].Status, log[0].Succeeded, log[0].Response));
    }

    [Fact]
    public async Task Deliver_EventOutsideTheEndpointsTypes_NeverSent()
    {
        var path = "/filtered/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("docs"), "DocumentProcessed", "UserDeleted");

        var other = await platform.Client.PublishAsync(new PublishRequest { Data = Any.Pack(new DocumentProcessed { DocumentId = "d-1", DocumentType = "invoice" }) },
            EventsPlatform.Bearer(token), cancellationToken: Ct);
        var wanted = await PublishAsync(token);
        await ReceivedAsync(path, wanted, 1);
        // Attempts to one endpoint run side by side: wait until its consumer has settled both events, the other one included.
        var streams = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>();
        await Eventually.UntilAsync(async () =>
        {
            var consumer = await streams.JetStream.GetConsumerAsync(platform.Stream, Fabrix.Core.Events.Webhooks.WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id));
            return consumer.Info is { NumAckPending: 0, NumPending: 0 };
        }, Within, "the endpoint's consumer settled both events", CancellationToken.None);

        Assert.DoesNotContain(platform.Received, r => r.Path == path && r.Id == other.EventId);
        Assert.DoesNotContain(await DeliveriesAsync(endpoint.Endpoint.Id, 1), d => d.EventId == other.EventId);
    }

    [Fact]
    public async Task Deliver_SlowEndpoint_AttemptsMadeSideBySide()
    {
        var (path, gate, endpoint, token) = await HeldEndpointAsync("slow");

        string[] ids = [await PublishAsync(token), await PublishAsync(token), await PublishAsync(token), await PublishAsync(token)];
        // None is answered until the gate opens: all four arrive only if the attempts run side by side.
        await Eventually.UntilAsync(() => Task.FromResult(ids.All(id => platform.Received.Any(r => r.Path == path && r.Id == id))), Within,
            "four attempts in progress at once", CancellationToken.None);
        gate.SetResult();

        var log = await DeliveriesAsync(endpoint.Endpoint.Id, 4);
        // Attempts are audited in groups: one item per attempt, in rows of one or more (their linger decides how many).
        var items = await platform.ScalarAsync<long>("""
            select coalesce(sum(jsonb_array_length(details -> 'items')), 0) from audit_log
            where target = @t and action = 'lane.canonical.webhook.deliver' and jsonb_typeof(details -> 'items') = 'array'
            """, ("t", "webhook:" + endpoint.Endpoint.Id));

        Assert.All(ids, id => Assert.Contains(log, d => d.EventId == id && d.Status == 200));
        Assert.Equal(4, platform.Received.Count(r => r.Path == path));
        Assert.Equal(4L, items);
    }

    [Fact]
    public async Task Deliver_DeliveryConnectionLostMidAttempt_AttemptLoggedButNotSettledAndLaterEventsFlow()
    {
        // What a lost delivery connection does to webhooks (DeliveryEpoch): the attempt in progress finishes and is logged,
        // its acknowledgement is not sent (a restarted nats-server could skip messages for it), and the endpoint's consumer
        // is consumed afresh, so an event published afterwards is delivered and acknowledged.
        var (path, gate, endpoint, token) = await HeldEndpointAsync("epoch");
        var dispatcher = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Webhooks.WebhookDispatcher>();
        var staleBefore = dispatcher.Stale;

        var before = await PublishAsync(token);
        await ReceivedAsync(path, before, 1);
        platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Delivery.DeliveryEpoch>().End();
        gate.SetResult();
        var after = await PublishAsync(token);
        var published = System.Diagnostics.Stopwatch.StartNew();
        // End() stands for a lost connection but leaves the connection up: the cancelled consume's pull request stays at
        // the server until it expires, and an event handed to it goes nowhere and comes back after the consumer's ack wait
        // (RequestTimeout + ConnectTimeout + 30 s = 55 s here); on a real loss the server drops the pull with the
        // connection. At least once either way; the wait allows for it.
        await Eventually.ForAsync(() => Task.FromResult(platform.Received.Count(r => r.Path == path && r.Id == after)), n => n >= 1,
            TimeSpan.FromSeconds(90), $"the delivery of {after} to {path}", CancellationToken.None);

        var log = await DeliveriesAsync(endpoint.Endpoint.Id, 2);
        Assert.Contains(log, d => d.EventId == before && d.Status == 200);
        Assert.Contains(log, d => d.EventId == after && d.Status == 200);
        Assert.True(dispatcher.Stale > staleBefore);
        if (published.Elapsed < TimeSpan.FromSeconds(20))
        {
            // Well inside the ack wait: the earlier event, whose acknowledgement was not sent, is still pending (after the
            // ack wait it is delivered again and acknowledged then).
            var streams = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>();
            var info = (await streams.JetStream.GetConsumerAsync(platform.Stream, Fabrix.Core.Events.Webhooks.WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id), Ct)).Info;
            Assert.True(info.NumAckPending >= 1, $"{info.NumAckPending} pending");
            // The earlier event is below the ack floor only if its acknowledgement had been sent.
            Assert.True(info.AckFloor.StreamSeq < info.Delivered.StreamSeq, $"ack floor {info.AckFloor.StreamSeq}, delivered {info.Delivered.StreamSeq}");
        }
    }

    [Fact]
    public async Task Deliver_DuringRotationOverlap_BothSignaturesValid()
    {
        var path = "/rotated/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var rotated = await platform.Webhooks.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { Id = endpoint.Endpoint.Id, Reason = "rotation" }, platform.Manager, cancellationToken: Ct);
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");
        // The worker restarts with both secrets once Core.Events re-read the endpoint; events published before may carry one.
        await Eventually.UntilAsync(() => Task.FromResult(platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Webhooks.WebhookTargetSource>()
            .Current.TryGetValue(endpoint.Endpoint.Id, out var t) && t.Secrets.Count == 2), Within, "Core.Events holds both secrets", CancellationToken.None);

        var eventId = await PublishAsync(token);
        var request = (await ReceivedAsync(path, eventId, 1))[0];

        var signatures = request.Signature!.Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.True(WebhookSecret.TryParse(rotated.Secret, out var newKey));
        Assert.True(WebhookSecret.TryParse(endpoint.Secret, out var oldKey));
        foreach (var key in new[] { newKey, oldKey })
        {
            Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(key, request.Id, request.Timestamp, request.Signature, request.Body, DateTimeOffset.UtcNow));
        }

        Assert.Equal(signatures[0], WebhookSignature.Sign(newKey, request.Id!, long.Parse(request.Timestamp!, System.Globalization.CultureInfo.InvariantCulture), request.Body));
    }

    [Fact]
    public async Task Deliver_FailingTwiceThenOk_RetriedPerScheduleAndEveryAttemptLogged()
    {
        var path = "/flaky/" + Guid.NewGuid().ToString("N");
        platform.Answers[path] = new([(500, null), (502, null)]);
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        await ReceivedAsync(path, eventId, 3);

        var log = await DeliveriesAsync(endpoint.Endpoint.Id, 3);
        Assert.Equal([(3, 200, true), (2, 502, false), (1, 500, false)], log.Take(3).Select(d => (d.Attempt, d.Status, d.Succeeded)));
        Assert.Equal("WEBHOOK_DELIVERY_FAILED", log[1].ReasonCode);
        var after = await platform.Webhooks.GetWebhookEndpointAsync(new GetWebhookEndpointRequest { Id = endpoint.Endpoint.Id }, platform.Manager, cancellationToken: Ct);
        Assert.True(after.Enabled);
        Assert.Null(after.FailingSince);
    }

    [Fact]
    public async Task Deliver_AllScheduledAttemptsFail_GivenUpAfterTheLast()
    {
        var path = "/down/" + Guid.NewGuid().ToString("N");
        platform.Answers[path] = new([(500, null), (500, null), (500, null), (500, null)]);
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        await ReceivedAsync(path, eventId, 3);
        var log = await DeliveriesAsync(endpoint.Endpoint.Id, 3);

        // The test schedule has three attempts: the consumer has nothing pending for the event afterwards.
        var js = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>().JetStream;
        await Eventually.UntilAsync(async () =>
        {
            var consumer = await js.GetConsumerAsync(platform.Stream, Fabrix.Core.Events.Webhooks.WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id));
            return consumer.Info.NumAckPending == 0 && consumer.Info.NumPending == 0;
        }, Within, "nothing pending after the last attempt", CancellationToken.None);
        Assert.Equal([3, 2, 1], log.Take(3).Select(d => d.Attempt));
        Assert.Equal(3, platform.Received.Count(r => r.Path == path && r.Id == eventId));
        var after = await platform.Webhooks.GetWebhookEndpointAsync(new GetWebhookEndpointRequest { Id = endpoint.Endpoint.Id }, platform.Manager, cancellationToken: Ct);
        Assert.NotNull(after.FailingSince);
    }

    [Fact]
    public async Task Deliver_ManyEventsWaitingHoursForARetry_LaterEventsStillDelivered()
    {
        // A retry waits out its delay as an unsettled JetStream message (nak with delay), holding one of the endpoint
        // consumer's MaxInFlight slots. Until 2026-12-07 the default was 64: 64 events of an endpoint waiting for a retry
        // hours away (a Retry-After, or the schedule's 2 h, 5 h, 10 h) stopped every other delivery to it that long.
        const int waiting = 80;
        var path = "/partly/" + Guid.NewGuid().ToString("N");
        platform.Answers[path] = new(Enumerable.Repeat<(int, int?)>((503, 3600), waiting));
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");
        var batch = new PublishBatchRequest();
        batch.Events.Add(Enumerable.Range(0, waiting + 1).Select(i => new PublishRequest { Data = Any.Pack(new UserDeleted { UserId = $"u-{i}" }) }));

        var published = await platform.Client.PublishBatchAsync(batch, EventsPlatform.Bearer(token), cancellationToken: Ct);
        var received = await Eventually.ForAsync(() => Task.FromResult(platform.Received.Where(r => r.Path == path).ToList()),
            r => r.Count >= waiting + 1, Within, $"a first attempt of each of the {waiting + 1} events", CancellationToken.None);

        Assert.Equal(published.Results.Select(r => r.Stored.EventId).Order(StringComparer.Ordinal), received.Select(r => r.Id!).Order(StringComparer.Ordinal));
        var js = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>().JetStream;
        await Eventually.UntilAsync(async () =>
        {
            var consumer = await js.GetConsumerAsync(platform.Stream, Fabrix.Core.Events.Webhooks.WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id));
            return consumer.Info.NumAckPending == waiting;
        }, Within, $"{waiting} events waiting out their hour, the last one delivered", CancellationToken.None);
    }

    [Fact]
    public async Task Deliver_DeadLetterReplayedForOnePlugin_NotSentToTheEndpointsAgain()
    {
        var path = "/replayed/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");
        var eventId = await PublishAsync(token);
        var stored = (await ReceivedAsync(path, eventId, 1))[0];

        // What DeadLetterStore.ReplayAsync stores: the envelope again, for one subscriber plugin.
        var streams = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>();
        var envelope = CloudEventJson.Read(System.Text.Encoding.UTF8.GetString(stored.Body));
        var ack = await streams.JetStream.PublishAsync(streams.SubjectOf(CanonicalEventTypes.Find("UserDeleted")!), envelope.ToByteArray(),
            headers: new NatsHeaders { [Fabrix.Core.Events.Control.DeadLetterStore.ReplayForHeader] = "acct-somebody" },
            opts: new NatsJSPubOpts { MsgId = "replay:" + Guid.NewGuid().ToString("N") }, cancellationToken: Ct);
        ack.EnsureSuccess();
        var later = await PublishAsync(token);
        await ReceivedAsync(path, later, 1);
        // Attempts run side by side: wait until the endpoint's consumer has settled everything, the replayed copy included.
        await Eventually.UntilAsync(async () =>
        {
            var consumer = await streams.JetStream.GetConsumerAsync(platform.Stream, Fabrix.Core.Events.Webhooks.WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id));
            return consumer.Info.NumAckPending == 0 && consumer.Info.NumPending == 0;
        }, Within, "the endpoint's consumer settled every event", CancellationToken.None);

        Assert.Single(platform.Received, r => r.Path == path && r.Id == eventId);
    }

    [Fact]
    public async Task Deliver_503WithRetryAfter_NextAttemptNotBeforeRetryAfter()
    {
        var path = "/busy/" + Guid.NewGuid().ToString("N");
        platform.Answers[path] = new([(503, 2)]);
        await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        var received = await ReceivedAsync(path, eventId, 2);

        // The schedule alone would retry after 0.2 s; the receiver asked for 2 s.
        Assert.True(received[1].At - received[0].At >= TimeSpan.FromSeconds(1.9), $"retried after {received[1].At - received[0].At}");
    }

    [Fact]
    public async Task Deliver_410Gone_EndpointDisabledAuditedAndOperationalEventPublished()
    {
        var path = "/gone/" + Guid.NewGuid().ToString("N");
        platform.Answers[path] = new([(410, null)]);
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        await ReceivedAsync(path, eventId, 1);

        var disabled = await Eventually.ForAsync(() => platform.Webhooks.GetWebhookEndpointAsync(new GetWebhookEndpointRequest { Id = endpoint.Endpoint.Id }, platform.Manager).ResponseAsync,
            e => !e.Enabled, Within, "the endpoint is disabled", CancellationToken.None);
        Assert.Contains("410", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Equal(1L, await platform.ScalarAsync<long>(
            "select count(*) from audit_log where target = @t and action = 'webhook.disable' and actor = @a", ("t", "webhook:" + endpoint.Endpoint.Id),
            ("a", $"service:{EventsPlatform.ServiceName}")));
        var published = await OperationalEventAsync(endpoint.Endpoint.Id);
        Assert.Equal("gone", published.Cause);
    }

    [Fact]
    public async Task Deliver_FailingLongerThanFailurePeriod_EndpointDisabled()
    {
        var path = "/stale/" + Guid.NewGuid().ToString("N");
        platform.Answers[path] = new([(500, null), (500, null), (500, null)]);
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        // Failing since six days (the default period is five): the registry's record, as Core.Events reads it.
        await platform.ScalarAsync<int>("update webhook_endpoints set failing_since = now() - interval '6 days' where id = @id returning 1", ("id", endpoint.Endpoint.Id));
        await Eventually.UntilAsync(() => Task.FromResult(platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Webhooks.WebhookTargetSource>()
            .Current.TryGetValue(endpoint.Endpoint.Id, out var t) && t.Endpoint.FailingSince is not null), Within, "Core.Events read failing_since", CancellationToken.None);
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        await ReceivedAsync(path, eventId, 1);

        var disabled = await Eventually.ForAsync(() => platform.Webhooks.GetWebhookEndpointAsync(new GetWebhookEndpointRequest { Id = endpoint.Endpoint.Id }, platform.Manager).ResponseAsync,
            e => !e.Enabled, Within, "the endpoint is disabled", CancellationToken.None);
        Assert.Contains("every attempt failed since", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Equal("failing", (await OperationalEventAsync(endpoint.Endpoint.Id)).Cause);
    }

    [Fact]
    public async Task Deliver_UrlResolvingToLoopback_RefusedAttemptLoggedWithReason()
    {
        // 127.0.0.2 is inside the registry's URL allowance but outside Core.Events' egress allowance: a loopback address.
        var endpoint = await platform.AddEndpointAsync($"http://127.0.0.2:{platform.ReceiverPort}/ssrf", "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");

        var eventId = await PublishAsync(token);
        var log = await DeliveriesAsync(endpoint.Endpoint.Id, 1);

        Assert.Equal((eventId, 0, false, "loopback"), (log[^1].EventId, log[^1].Status, log[^1].Succeeded, log[^1].ReasonCode));
        Assert.DoesNotContain(platform.Received, r => r.Path == "/ssrf");
    }

    [Fact]
    public async Task Deliver_EventStoredWhileCoreEventsDown_ArrivesAfterRestart()
    {
        var path = "/restart/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var streams = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>();
        var subject = streams.SubjectOf(CanonicalEventTypes.Find("UserDeleted")!);
        await platform.StopAsync();

        // Stored in the stream as Core.Events stores a publish, while no Core.Events runs.
        var eventId = Guid.CreateVersion7().ToString();
        await using (var nats = new NatsConnection(new NatsOpts { Url = platform.NatsUrl }))
        {
            var envelope = new CanonicalEvent
            {
                Id = eventId, Source = "fabrix://plugins/hr", SpecVersion = CloudEventJson.SpecVersion, Type = "fabrix.canonical.v1.UserDeleted",
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Datacontenttype = "application/protobuf", Dataclassification = "internal",
                Data = Any.Pack(new UserDeleted { UserId = "u-restart" }),
            };
            var ack = await new NatsJSContext(nats).PublishAsync(subject, envelope.ToByteArray(), opts: new NatsJSPubOpts { MsgId = eventId }, cancellationToken: Ct);
            ack.EnsureSuccess();
        }

        await platform.StartAsync();
        var received = await ReceivedAsync(path, eventId, 1);

        Assert.Equal(eventId, received[0].Id);
        Assert.Equal(1, (await DeliveriesAsync(endpoint.Endpoint.Id, 1))[0].Attempt);
    }

    [Fact]
    public async Task RetryWebhookDelivery_DeliveredEvent_DeliveredAgainAndLoggedAsAttemptZero()
    {
        var path = "/manual/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");
        var eventId = await PublishAsync(token);
        await ReceivedAsync(path, eventId, 1);
        await DeliveriesAsync(endpoint.Endpoint.Id, 1);

        var retried = await platform.Webhooks.RetryWebhookDeliveryAsync(new RetryWebhookDeliveryRequest { Id = endpoint.Endpoint.Id, EventId = eventId, Reason = "resend" },
            platform.Manager, cancellationToken: Ct);
        await ReceivedAsync(path, eventId, 2);

        Assert.Equal((true, 200), (retried.Succeeded, retried.Status));
        Assert.Equal(0, (await DeliveriesAsync(endpoint.Endpoint.Id, 2))[0].Attempt);
    }

    // An endpoint for UserDeleted whose requests the receiver holds until the gate opens, a publisher of it, and its
    // consumer in place.
    private async Task<(string Path, TaskCompletionSource Gate, WebhookEndpointWithSecret Endpoint, string Token)> HeldEndpointAsync(string name)
    {
        var path = $"/{name}/" + Guid.NewGuid().ToString("N");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        platform.Holds[path] = gate;
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId("hr"), "UserDeleted");
        await platform.WaitForConsumerAsync(endpoint.Endpoint.Id);
        return (path, gate, endpoint, token);
    }

    private static string TestId(string prefix) => Fabrix.Core.Registry.Tests.Infrastructure.TestManifests.NewId(prefix);

    private async Task<string> PublishAsync(string token)
    {
        var response = await platform.Client.PublishAsync(new PublishRequest { Data = Any.Pack(new UserDeleted { UserId = "u-" + Guid.NewGuid().ToString("N")[..8] }) },
            EventsPlatform.Bearer(token));
        return response.EventId;
    }

    private Task<IReadOnlyList<ReceivedWebhook>> ReceivedAsync(string path, string eventId, int count) =>
        Eventually.ForAsync(() => Task.FromResult<IReadOnlyList<ReceivedWebhook>>([.. platform.Received.Where(r => r.Path == path && r.Id == eventId).OrderBy(r => r.At)]),
            r => r.Count >= count, Within, $"{count} deliveries of {eventId} to {path}", CancellationToken.None);

    private Task<IList<WebhookDelivery>> DeliveriesAsync(string endpointId, int count) =>
        Eventually.ForAsync(async () => (IList<WebhookDelivery>)(await platform.Webhooks.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = endpointId },
            platform.Manager)).Deliveries, d => d.Count >= count, Within, $"{count} attempts in the delivery log of {endpointId}", CancellationToken.None);

    private async Task<WebhookEndpointDisabled> OperationalEventAsync(string endpointId)
    {
        var streams = platform.Events.Services.GetRequiredService<Fabrix.Core.Events.Streams.EventStreams>();
        var subject = streams.SubjectOf(CanonicalEventTypes.Find("WebhookEndpointDisabled")!);
        return await Eventually.ForAsync(async () =>
        {
            try
            {
                var stream = await streams.JetStream.GetStreamAsync(platform.Stream);
                var last = await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { LastBySubj = subject });
                var evt = CanonicalEvent.Parser.ParseFrom(last.Message.Data.Span);
                return evt.Data.Unpack<WebhookEndpointDisabled>();
            }
            catch (NatsJSApiException)
            {
                return new WebhookEndpointDisabled();
            }
        }, e => e.EndpointId == endpointId, Within, $"WebhookEndpointDisabled for {endpointId}", CancellationToken.None);
    }
}
