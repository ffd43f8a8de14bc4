using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Events.Webhooks;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>
/// Webhook replay end to end on real PostgreSQL and NATS (issue 11 section 4): the registry's ReplayWebhookEndpoint,
/// Core.Events' replay consumer over the control subject, deliveries signed as usual with the same webhook-id, the
/// retention bound, one replay at a time, and disabling as the way to cancel one.
/// </summary>
public sealed class WebhookReplayTests(WebhookPlatform platform) : IClassFixture<WebhookPlatform>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReplayWebhookEndpoint_SinceBeforeTwoEvents_BothDeliveredAgainWithTheirWebhookIdsAndTheReplayEnds()
    {
        var path = "/replayed/" + Guid.NewGuid().ToString("N");
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId(), "UserDeleted");
        var since = DateTimeOffset.UtcNow;
        var first = await platform.PublishUserDeletedAsync(token);
        var second = await platform.PublishUserDeletedAsync(token);
        await platform.ReceivedAsync(path, first, 1);
        await platform.ReceivedAsync(path, second, 1);

        var replayed = await ReplayAsync(endpoint.Endpoint.Id, since);

        Assert.Equal(2UL, replayed.Events);
        Assert.True(WebhookSecret.TryParse(endpoint.Secret, out var key));
        foreach (var eventId in new[] { first, second })
        {
            var again = (await platform.ReceivedAsync(path, eventId, 2))[1];
            Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(key, again.Id, again.Timestamp, again.Signature, again.Body, DateTimeOffset.UtcNow));
        }

        await Eventually.UntilAsync(async () => !await platform.ConsumerExistsAsync(WebhookDispatcher.ReplayConsumerOf(endpoint.Endpoint.Id)), Within,
            "the replay consumer is deleted once the replay is complete", CancellationToken.None);
        Assert.Equal(4, platform.Received.Count(r => r.Path == path));
        var log = await Eventually.ForAsync(async () => (await platform.Webhooks.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = endpoint.Endpoint.Id },
            platform.Manager, cancellationToken: Ct)).Deliveries, d => d.Count >= 4, Within, "4 attempts in the delivery log", CancellationToken.None);
        Assert.Equal([(first, false), (first, true), (second, false), (second, true)],
            log.Select(d => (d.EventId, d.Replay)).Order());
        var audit = await platform.ScalarAsync<long>("select count(*) from audit_log where target = @t and action = 'webhook.replay' and outcome = 'succeeded'",
            ("t", "webhook:" + endpoint.Endpoint.Id));
        Assert.Equal(1, audit);
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_WhileTheReplayWaitsForARetry_SecondRefusedInProgressAndDisableCancelsIt()
    {
        var path = "/replay-waits/" + Guid.NewGuid().ToString("N");
        // The live delivery succeeds; the replay's attempt is told to come back in an hour.
        platform.Answers[path] = new([(200, null), (503, 3600)]);
        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var token = await platform.InstallPublisherAsync(TestId(), "UserDeleted");
        var since = DateTimeOffset.UtcNow;
        var eventId = await platform.PublishUserDeletedAsync(token);
        await platform.ReceivedAsync(path, eventId, 1);
        Assert.Equal(1UL, (await ReplayAsync(endpoint.Endpoint.Id, since)).Events);
        await platform.ReceivedAsync(path, eventId, 2);

        var refused = await Assert.ThrowsAsync<RpcException>(() => ReplayAsync(endpoint.Endpoint.Id, since));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(RefusalCodes.WebhookReplayInProgress, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.True(await platform.ConsumerExistsAsync(WebhookDispatcher.ReplayConsumerOf(endpoint.Endpoint.Id)));
        await platform.Webhooks.DisableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = endpoint.Endpoint.Id, Reason = "cancel the replay" },
            platform.Manager, cancellationToken: Ct);
        await Eventually.UntilAsync(async () => !await platform.ConsumerExistsAsync(WebhookDispatcher.ReplayConsumerOf(endpoint.Endpoint.Id)), Within,
            "disabling deletes the replay consumer", CancellationToken.None);
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_SinceOlderThanTheStreamKeepsEvents_InvalidArgumentOutOfRetention()
    {
        var endpoint = await platform.AddEndpointAsync(platform.Url("/too-old/" + Guid.NewGuid().ToString("N")), "UserDeleted");

        // The stream keeps events seven days (Fabrix:Events:Streams:MaxAge's default).
        var refused = await Assert.ThrowsAsync<RpcException>(() => ReplayAsync(endpoint.Endpoint.Id, DateTimeOffset.UtcNow.AddDays(-8)));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(RefusalCodes.WebhookReplayOutOfRetention, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(["since"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.Contains("at the earliest", refused.Status.Detail, StringComparison.Ordinal);
        Assert.False(await platform.ConsumerExistsAsync(WebhookDispatcher.ReplayConsumerOf(endpoint.Endpoint.Id)));
    }

    private static string TestId() => Fabrix.Core.Registry.Tests.Infrastructure.TestManifests.NewId("hr");

    private async Task<ReplayWebhookEndpointResponse> ReplayAsync(string endpointId, DateTimeOffset since) =>
        await platform.Webhooks.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = endpointId, Since = Timestamp.FromDateTimeOffset(since), Reason = "the receiver lost its data",
        }, platform.Manager, cancellationToken: Ct);
}
