using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Registry.Tests.Audit.Ingest;
using Fabrix.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Tests.Webhooks;

/// <summary>
/// WebhooksAdmin and the core-only WebhookTargets on real PostgreSQL and NATS (issue 11 section 4): the secret shown
/// once and stored encrypted, URL checks with field paths, roles, audit, rotation overlap, the delivery log read from
/// Core.Events' decision rows, and the manual retry over the control subject.
/// </summary>
public sealed class WebhooksAdminTests(WebhookRegistry registry) : IClassFixture<WebhookRegistry>
{
    /// <summary>Bounds a wait for a NATS message so that a lost one fails the test instead of hanging the run; never what a test asserts.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddWebhookEndpoint_AsPluginManager_SecretShownOnceStoredEncryptedAndAudited()
    {
        var added = await registry.AddAsync("https://hooks.example.com/in", "UserCreated", "fabrix.canonical.v1.UserDeleted");

        Assert.True(WebhookSecret.TryParse(added.Secret, out var key));
        Assert.StartsWith("whsec_", added.Secret, StringComparison.Ordinal);
        Assert.Equal(32, key.Length);
        Assert.Equal(["fabrix.canonical.v1.UserCreated", "fabrix.canonical.v1.UserDeleted"], added.Endpoint.EventTypes);
        Assert.True(added.Endpoint.Enabled);
        var stored = await registry.Host.ScalarAsync<string>("select secret_protected from webhook_endpoints where id = @id", ("id", added.Endpoint.Id));
        Assert.DoesNotContain(added.Secret[6..], stored, StringComparison.Ordinal);
        var read = await registry.Admin.GetWebhookEndpointAsync(new GetWebhookEndpointRequest { Id = added.Endpoint.Id }, registry.Viewer, cancellationToken: Ct);
        Assert.Equal(added.Endpoint, read);
        Assert.DoesNotContain(added.Secret[6..], read.ToString(), StringComparison.Ordinal);
        var audit = Assert.Single(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id));
        Assert.Equal(("user:morgan", "webhook.add", "succeeded", "integration test"), (audit.Actor, audit.Action, audit.Outcome, audit.Reason));
        Assert.DoesNotContain(added.Secret[6..], audit.Details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://hooks.example.com/in")]
    [InlineData("https://user:pw@hooks.example.com/in")]
    [InlineData("https://10.0.0.7/in")]
    [InlineData("https://169.254.169.254/latest")]
    [InlineData("https://[::1]/in")]
    [InlineData("https://0xa000001/in")]
    [InlineData("ftp://hooks.example.com/in")]
    [InlineData("hooks.example.com/in")]
    [InlineData("")]
    public async Task AddWebhookEndpoint_BadUrlAndUnknownType_InvalidArgumentNamingTheFields(string url)
    {
        var request = new AddWebhookEndpointRequest { Url = url, Reason = "r" };
        request.EventTypes.Add(["UserCreated", "NoSuchEvent"]);

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.AddWebhookEndpointAsync(request, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(["url", "event_types[1]"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task AddWebhookEndpoint_LoopbackUnderTestAllowance_AcceptedOverHttp()
    {
        var added = await registry.AddAsync("http://127.0.0.1:5999/hook");

        Assert.Equal("http://127.0.0.1:5999/hook", added.Endpoint.Url);
    }

    [Fact]
    public async Task AddWebhookEndpoint_AsAuditViewer_PermissionDeniedAndAudited()
    {
        var request = new AddWebhookEndpointRequest { Url = "https://hooks.example.com/viewer", Reason = "r" };

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.AddWebhookEndpointAsync(request, registry.Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.True(await registry.Host.AuditedRefusalsAsync("action = 'webhook.add' and actor = 'user:vera'") >= 1);
    }

    [Fact]
    public async Task RotateWebhookSecret_WithinOverlap_TargetsCarryNewThenPreviousSecret()
    {
        var added = await registry.AddAsync();

        var rotated = await registry.Admin.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { Id = added.Endpoint.Id, Reason = "leaked" }, registry.Manager,
            cancellationToken: Ct);
        var targets = await registry.Targets.ListWebhookTargetsAsync(new ListWebhookTargetsRequest(), registry.ServiceHeaders(), cancellationToken: Ct);

        Assert.NotEqual(added.Secret, rotated.Secret);
        Assert.NotNull(rotated.Endpoint.PreviousSecretExpiresAt);
        var target = Assert.Single(targets.Targets, t => t.Endpoint.Id == added.Endpoint.Id);
        Assert.Equal([rotated.Secret, added.Secret], target.Secrets);
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.rotate" && r.Reason == "leaked");
    }

    [Fact]
    public async Task RotateWebhookSecret_OverlapPassed_PreviousSecretDropped()
    {
        var added = await registry.AddAsync();
        var rotated = await registry.Admin.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { Id = added.Endpoint.Id, Reason = "r" }, registry.Manager,
            cancellationToken: Ct);
        await registry.Host.ScalarAsync<int>("update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second' where id = @id returning 1",
            ("id", added.Endpoint.Id));

        var targets = await registry.Targets.ListWebhookTargetsAsync(new ListWebhookTargetsRequest(), registry.ServiceHeaders(), cancellationToken: Ct);

        Assert.Equal([rotated.Secret], Assert.Single(targets.Targets, t => t.Endpoint.Id == added.Endpoint.Id).Secrets);
    }

    [Fact]
    public async Task ListWebhookTargets_OtherServiceOrAdministrator_PermissionDenied()
    {
        var other = await Assert.ThrowsAsync<RpcException>(() => registry.Targets.ListWebhookTargetsAsync(new ListWebhookTargetsRequest(),
            registry.ServiceHeaders(registry.OtherKey, WebhookRegistry.OtherService), cancellationToken: Ct).ResponseAsync);
        var admin = await Assert.ThrowsAsync<RpcException>(() => registry.Targets.ListWebhookTargetsAsync(new ListWebhookTargetsRequest(),
            registry.Host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (other.StatusCode, admin.StatusCode));
        Assert.Equal(RefusalCodes.NotAService, other.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public async Task DisableThenEnable_AsManager_StateChangesAndBothAudited()
    {
        var added = await registry.AddAsync();

        var disabled = await registry.Admin.DisableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = added.Endpoint.Id, Reason = "maintenance" },
            registry.Manager, cancellationToken: Ct);
        var enabled = await registry.Admin.EnableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = added.Endpoint.Id, Reason = "back" },
            registry.Manager, cancellationToken: Ct);

        Assert.False(disabled.Enabled);
        Assert.Contains("maintenance", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.True(enabled.Enabled);
        Assert.Empty(enabled.DisabledReason);
        Assert.Equal(["webhook.add", "webhook.disable", "webhook.enable"], (await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id)).Select(r => r.Action));
    }

    [Fact]
    public async Task RemoveWebhookEndpoint_Removed_GetIsNotFound()
    {
        var added = await registry.AddAsync();

        await registry.Admin.RemoveWebhookEndpointAsync(new RemoveWebhookEndpointRequest { Id = added.Endpoint.Id, Reason = "gone" }, registry.Manager, cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.GetWebhookEndpointAsync(new GetWebhookEndpointRequest { Id = added.Endpoint.Id },
            registry.Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Equal(RefusalCodes.WebhookEndpointNotFound, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public async Task ReportWebhookState_FailingThenDisabled_FailingSinceKeptDisabledAndAudited()
    {
        var added = await registry.AddAsync();
        var since = DateTimeOffset.UtcNow.AddDays(-5);

        var failing = await registry.Targets.ReportWebhookStateAsync(new ReportWebhookStateRequest
        {
            Id = added.Endpoint.Id, FailingSince = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(since),
        }, registry.ServiceHeaders(), cancellationToken: Ct);
        var disabled = await registry.Targets.ReportWebhookStateAsync(new ReportWebhookStateRequest
        {
            Id = added.Endpoint.Id, Disabled = "failing for 5 days", Cause = "failing",
        }, registry.ServiceHeaders(), cancellationToken: Ct);

        Assert.Equal(since.ToUnixTimeSeconds(), failing.FailingSince.ToDateTimeOffset().ToUnixTimeSeconds());
        Assert.False(disabled.Enabled);
        Assert.Equal("failing for 5 days", disabled.DisabledReason);
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id),
            r => (r.Actor, r.Action, r.Reason) == ($"service:{WebhookRegistry.DeliveryService}", "webhook.disable", "failing for 5 days"));
    }

    [Fact]
    public async Task ListWebhookDeliveries_RowsWithoutItems_NewestFirstWithStatusDurationAndSnippet()
    {
        // Rows as Core.Events wrote them before it grouped attempts: one attempt per row, in its attributes.
        var added = await registry.AddAsync();
        var eventId = Guid.CreateVersion7().ToString();
        var first = Delivery(added.Endpoint.Id, eventId, attempt: 1, allowed: false, status: "503", response: "busy");
        var second = Delivery(added.Endpoint.Id, eventId, attempt: 2, allowed: true, status: "204", response: string.Empty);
        second.At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(first.At.ToDateTimeOffset().AddSeconds(5));
        // The log is in chain order (the order the registry ingested the attempts), newest first.
        await registry.Host.PublishAsync([first], Ct);
        await Eventually.UntilAsync(async () => await registry.Host.ScalarAsync<long>(
            "select count(*) from audit_log where target = @t and action = 'lane.canonical.webhook.deliver'", ("t", "webhook:" + added.Endpoint.Id)) == 1,
            TimeSpan.FromSeconds(60), "the first attempt in the chain", Ct);
        await registry.Host.PublishAsync([second], Ct);
        await Eventually.UntilAsync(async () => await registry.Host.ScalarAsync<long>(
            "select count(*) from audit_log where target = @t and action = 'lane.canonical.webhook.deliver'", ("t", "webhook:" + added.Endpoint.Id)) == 2,
            TimeSpan.FromSeconds(60), "both attempts in the chain", Ct);

        var log = await registry.Admin.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = added.Endpoint.Id }, registry.Viewer, cancellationToken: Ct);

        Assert.Equal([(2, 204, true, ""), (1, 503, false, "busy")], log.Deliveries.Select(d => (d.Attempt, d.Status, d.Succeeded, d.Response)));
        Assert.All(log.Deliveries, d => Assert.Equal(eventId, d.EventId));
        Assert.Equal(12.5, log.Deliveries[0].DurationMs);
        Assert.Equal(RefusalCodes.WebhookDeliveryFailed, log.Deliveries[1].ReasonCode);
    }

    [Fact]
    public async Task ListWebhookDeliveries_RowOfSeveralAttempts_OneDeliveryPerItemNewestFirstAndTheLimitCountsDeliveries()
    {
        var added = await registry.AddAsync();
        // Whole microseconds: what PostgreSQL keeps.
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        var at = new DateTimeOffset(now.Ticks - now.Ticks % 10, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.CreateVersion7().ToString()).ToArray();
        var row = Attempts(added.Endpoint.Id, allowed: true,
            (ids[0], "200", "ok", 41, at), (ids[1], "204", string.Empty, 42, at.AddSeconds(1)), (ids[2], "202", "queued", 43, at.AddSeconds(2)));
        await registry.Host.PublishAsync([row], Ct);
        await Eventually.UntilAsync(async () => await registry.Host.ScalarAsync<long>(
            "select count(*) from audit_log where target = @t and action = 'lane.canonical.webhook.deliver'", ("t", "webhook:" + added.Endpoint.Id)) == 1,
            TimeSpan.FromSeconds(60), "the row in the chain", Ct);

        var log = await registry.Admin.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = added.Endpoint.Id }, registry.Viewer, cancellationToken: Ct);
        var two = await registry.Admin.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = added.Endpoint.Id, Limit = 2 }, registry.Viewer,
            cancellationToken: Ct);

        Assert.Equal([(ids[2], 202, "queued"), (ids[1], 204, ""), (ids[0], 200, "ok")], log.Deliveries.Select(d => (d.EventId, d.Status, d.Response)));
        // Each attempt's own time, not the row's.
        Assert.Equal([at.AddSeconds(2), at.AddSeconds(1), at], log.Deliveries.Select(d => d.At.ToDateTimeOffset()));
        Assert.All(log.Deliveries, d => Assert.True(d.Succeeded && d.Attempt == 1 && d.DurationMs == 12.5));
        Assert.Equal([ids[2], ids[1]], two.Deliveries.Select(d => d.EventId));
    }

    [Fact]
    public async Task RetryWebhookDelivery_CoreEventsAnswers_ResultReturnedAndAudited()
    {
        var added = await registry.AddAsync();
        var eventId = Guid.CreateVersion7().ToString();
        await DeliveredAsync(added.Endpoint.Id, eventId);
        await using var nats = new NatsConnection(new NatsOpts { Url = registry.Host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>(registry.RetrySubject, cancellationToken: Ct);
        // A round trip: the server has the subscription before the registry publishes.
        await nats.PingAsync(Ct);
        var responder = Task.Run(async () =>
        {
            var message = await subscription.Msgs.ReadAsync(Ct).AsTask().WaitAsync(Bound, Ct);
            var command = JsonParser.Default.Parse<WebhookRetryCommand>(System.Text.Encoding.UTF8.GetString(message.Data!));
            var result = new WebhookRetryResult { Found = (command.EventId, command.EndpointId, command.StreamSequence) == (eventId, added.Endpoint.Id, 42UL), Succeeded = true, Status = 200, Response = "ok" };
            await message.ReplyAsync(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(result)), cancellationToken: Ct);
        }, Ct);

        var retried = await registry.Admin.RetryWebhookDeliveryAsync(new RetryWebhookDeliveryRequest { Id = added.Endpoint.Id, EventId = eventId, Reason = "receiver fixed" },
            registry.Manager, cancellationToken: Ct);
        await responder.WaitAsync(Bound, Ct);

        Assert.Equal((true, 200, "ok"), (retried.Succeeded, retried.Status, retried.Response));
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.retry" && r.Outcome == "succeeded");
    }

    [Fact]
    public async Task RetryWebhookDelivery_NoCoreEvents_FailedPreconditionAndAudited()
    {
        var added = await registry.AddAsync();
        var eventId = Guid.CreateVersion7().ToString();
        await DeliveredAsync(added.Endpoint.Id, eventId);

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.RetryWebhookDeliveryAsync(
            new RetryWebhookDeliveryRequest { Id = added.Endpoint.Id, EventId = eventId, Reason = "r" }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(RefusalCodes.WebhookRetryUnavailable, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.retry" && r.Outcome == "refused");
    }

    [Fact]
    public async Task RetryWebhookDelivery_EventNeverAttempted_NotFoundAndAudited()
    {
        var added = await registry.AddAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.RetryWebhookDeliveryAsync(
            new RetryWebhookDeliveryRequest { Id = added.Endpoint.Id, EventId = Guid.NewGuid().ToString(), Reason = "r" }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.retry" && r.Outcome == "refused");
    }

    [Fact]
    public async Task WebhookChanges_EachCommittedChange_AnnouncedOnTheChangeSubjectWithTheEndpointId()
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = registry.Host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<string>(registry.ChangedSubject, cancellationToken: Ct);
        // A round trip: the server has the subscription before the registry publishes.
        await nats.PingAsync(Ct);
        var added = await registry.AddAsync();
        var id = added.Endpoint.Id;

        await registry.Admin.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { Id = id, Reason = "r" }, registry.Manager, cancellationToken: Ct);
        await registry.Admin.DisableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = id, Reason = "r" }, registry.Manager, cancellationToken: Ct);
        await registry.Admin.EnableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = id, Reason = "r" }, registry.Manager, cancellationToken: Ct);
        await registry.Targets.ReportWebhookStateAsync(new ReportWebhookStateRequest { Id = id, Disabled = "410 Gone", Cause = "gone" }, registry.ServiceHeaders(), cancellationToken: Ct);
        await registry.Admin.RemoveWebhookEndpointAsync(new RemoveWebhookEndpointRequest { Id = id, Reason = "r" }, registry.Manager, cancellationToken: Ct);

        // Add, rotate, disable, enable, the delivery's disable and remove: six notices, each naming the endpoint.
        var notices = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            notices.Add((await subscription.Msgs.ReadAsync(Ct).AsTask().WaitAsync(Bound, Ct)).Data!);
        }

        Assert.All(notices, n => Assert.Equal(id, n));
    }

    [Fact]
    public async Task WebhookChanges_RefusedChange_NotAnnounced()
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = registry.Host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<string>(registry.ChangedSubject, cancellationToken: Ct);
        // A round trip: the server has the subscription before the registry publishes.
        await nats.PingAsync(Ct);
        var added = await registry.AddAsync();
        Assert.Equal(added.Endpoint.Id, (await subscription.Msgs.ReadAsync(Ct).AsTask().WaitAsync(Bound, Ct)).Data);

        await Assert.ThrowsAsync<RpcException>(() => registry.Admin.DisableWebhookEndpointAsync(
            new SetWebhookEndpointEnabledRequest { Id = added.Endpoint.Id, Reason = "r" }, registry.Viewer, cancellationToken: Ct).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => registry.Admin.AddWebhookEndpointAsync(
            new AddWebhookEndpointRequest { Url = "https://10.0.0.1/in", Reason = "r" }, registry.Manager, cancellationToken: Ct).ResponseAsync);
        var marker = await registry.AddAsync();

        // Notices keep the commit order: the next one is the marker's, so the refused calls announced nothing.
        Assert.Equal(marker.Endpoint.Id, (await subscription.Msgs.ReadAsync(Ct).AsTask().WaitAsync(Bound, Ct)).Data);
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_CoreEventsAccepts_CommandCarriesTheStartAndTheAnswerIsAudited()
    {
        var added = await registry.AddAsync();
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        await using var nats = new NatsConnection(new NatsOpts { Url = registry.Host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>(registry.ReplaySubject, cancellationToken: Ct);
        // A round trip: the server has the subscription before the registry publishes.
        await nats.PingAsync(Ct);
        var responder = Task.Run(async () =>
        {
            var message = await subscription.Msgs.ReadAsync(Ct).AsTask().WaitAsync(Bound, Ct);
            var command = JsonParser.Default.Parse<WebhookReplayCommand>(System.Text.Encoding.UTF8.GetString(message.Data!));
            var result = (command.EndpointId, command.Since.ToDateTimeOffset(), command.Actor) == (added.Endpoint.Id, since, "user:morgan")
                ? new WebhookReplayResult { Accepted = true, Events = 3, LastSequence = 17 }
                : new WebhookReplayResult { Problem = $"unexpected command {command}" };
            await message.ReplyAsync(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(result)), cancellationToken: Ct);
        }, Ct);

        var replayed = await registry.Admin.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = added.Endpoint.Id, Since = Timestamp.FromDateTimeOffset(since), Reason = "receiver lost its data",
        }, registry.Manager, cancellationToken: Ct);
        await responder.WaitAsync(Bound, Ct);

        Assert.Equal((3UL, 17UL), (replayed.Events, replayed.LastSequence));
        var audit = Assert.Single(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.replay");
        Assert.Equal(("succeeded", "receiver lost its data"), (audit.Outcome, audit.Reason));
        Assert.Contains("\"events\": 3", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_OutOfRetention_InvalidArgumentNamingSinceAndAudited()
    {
        var added = await registry.AddAsync();
        await using var nats = new NatsConnection(new NatsOpts { Url = registry.Host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>(registry.ReplaySubject, cancellationToken: Ct);
        // A round trip: the server has the subscription before the registry publishes.
        await nats.PingAsync(Ct);
        var responder = Task.Run(async () =>
        {
            var message = await subscription.Msgs.ReadAsync(Ct).AsTask().WaitAsync(Bound, Ct);
            var result = new WebhookReplayResult { Code = RefusalCodes.WebhookReplayOutOfRetention, Problem = "older than the events stream keeps events" };
            await message.ReplyAsync(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(result)), cancellationToken: Ct);
        }, Ct);

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = added.Endpoint.Id, Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-400)), Reason = "r",
        }, registry.Manager, cancellationToken: Ct).ResponseAsync);
        await responder.WaitAsync(Bound, Ct);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(RefusalCodes.WebhookReplayOutOfRetention, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(["since"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.replay" && r.Outcome == "refused");
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_MissingOrFutureSinceAndNoReason_InvalidArgumentNamingTheFields()
    {
        var added = await registry.AddAsync();

        var missing = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.ReplayWebhookEndpointAsync(
            new ReplayWebhookEndpointRequest { Id = added.Endpoint.Id }, registry.Manager, cancellationToken: Ct).ResponseAsync);
        var future = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = "wh_nope", Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)), Reason = "r",
        }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (missing.StatusCode, future.StatusCode));
        Assert.Equal(["since", "reason"], missing.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
        var violations = future.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Equal(["id", "since"], violations.Select(v => v.Field));
        Assert.Contains("future", violations[1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_AsAuditViewer_PermissionDenied()
    {
        var added = await registry.AddAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = added.Endpoint.Id, Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)), Reason = "r",
        }, registry.Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains(await registry.Host.AuditRowsAsync("webhook:" + added.Endpoint.Id), r => r.Action == "webhook.replay" && r.Outcome == "refused");
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_DisabledEndpoint_FailedPreconditionWithoutAskingCoreEvents()
    {
        var added = await registry.AddAsync();
        await registry.Admin.DisableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = added.Endpoint.Id, Reason = "r" }, registry.Manager, cancellationToken: Ct);

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = added.Endpoint.Id, Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)), Reason = "r",
        }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(RefusalCodes.WebhookEndpointDisabled, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains("enable it first", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayWebhookEndpoint_NoCoreEvents_FailedPreconditionEventsControlUnavailable()
    {
        var added = await registry.AddAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Admin.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
        {
            Id = added.Endpoint.Id, Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)), Reason = "r",
        }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(RefusalCodes.EventsControlUnavailable, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    private async Task DeliveredAsync(string endpointId, string eventId)
    {
        // As Core.Events audits attempts: the event is one item among others of its row.
        await registry.Host.PublishAsync([Attempts(endpointId, allowed: false, (Guid.CreateVersion7().ToString(), "500", "down", 41, DateTimeOffset.UtcNow),
            (eventId, "500", "down", 42, DateTimeOffset.UtcNow))], Ct);
        await Eventually.UntilAsync(async () => await registry.Host.ScalarAsync<long>(
            "select count(*) from audit_log where target = @t and action = 'lane.canonical.webhook.deliver'", ("t", "webhook:" + endpointId)) == 1,
            TimeSpan.FromSeconds(60), "the attempt in the chain", Ct);
    }

    /// <summary>A record of attempts as Core.Events writes it (Core.Events/Webhooks/WebhookDeliverer.cs): one item per attempt.</summary>
    private static DecisionRecord Attempts(string endpointId, bool allowed, params (string EventId, string Status, string Response, int Sequence, DateTimeOffset At)[] attempts)
    {
        var record = DecisionRecords.New("hr", Lane.Canonical, allowed, target: "webhook:" + endpointId);
        record.Action = "webhook.deliver";
        record.ReasonCode = allowed ? string.Empty : RefusalCodes.WebhookDeliveryFailed;
        record.Attributes.Add("endpoint_id", endpointId);
        record.Attributes.Add("event_type", "UserCreated");
        foreach (var attempt in attempts)
        {
            record.Items.Add(new DecisionItem
            {
                Attributes =
                {
                    ["event_id"] = attempt.EventId,
                    ["attempt"] = "1",
                    ["status"] = attempt.Status,
                    ["duration_ms"] = "12.5",
                    ["response"] = attempt.Response,
                    ["sequence"] = attempt.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["at"] = attempt.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture),
                },
            });
        }

        return record;
    }

    /// <summary>A record of one attempt as Core.Events wrote it before it grouped attempts: everything in the attributes.</summary>
    private static DecisionRecord Delivery(string endpointId, string eventId, int attempt, bool allowed, string status, string response)
    {
        var record = DecisionRecords.New("hr", Lane.Canonical, allowed, target: "webhook:" + endpointId);
        record.Action = "webhook.deliver";
        record.ReasonCode = allowed ? string.Empty : RefusalCodes.WebhookDeliveryFailed;
        record.Attributes.Add("endpoint_id", endpointId);
        record.Attributes.Add("event_id", eventId);
        record.Attributes.Add("attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        record.Attributes.Add("status", status);
        record.Attributes.Add("duration_ms", "12.5");
        record.Attributes.Add("response", response);
        record.Attributes.Add("sequence", "42");
        return record;
    }
}
