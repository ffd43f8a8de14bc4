using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Contracts.Policy.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Tests.Publishing;

public sealed class PublishTests(EventsPlatform platform) : IClassFixture<EventsPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The batch's UserCreated events in <c>PublishBatch_StoredEvents_AuditedAsOneRowPerType…</c>.</summary>
    private static readonly int[] StoredUserCreated = [0, 3, 4, 5];

    private const string UserCreatedUrl = "type.googleapis.com/fabrix.canonical.v1.UserCreated";

    private async Task<CanonicalEvent> StoredAsync(ulong sequence)
    {
        var stream = await platform.JetStream.GetStreamAsync(platform.Stream, cancellationToken: Ct);
        return CanonicalEvent.Parser.ParseFrom((await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence }, Ct)).Message.Data.Span);
    }

    private static Any UserCreated(string userId) => Any.Pack(new UserCreated { UserId = userId, DisplayName = "Ada Lovelace", Email = "ada@example.com" });

    [Fact]
    public async Task Snapshot_ManifestEvents_ReachTheLane()
    {
        var id = TestManifests.NewId("hr");

        await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated", "UserDeleted"], ["PaymentReceived"]));

        await platform.WaitForPolicyAsync(id, p => p.EventPublishes.SetEquals(["UserCreated", "UserDeleted"]) && p.EventSubscribes.SetEquals(["PaymentReceived"]),
            "the lane's snapshot carries the manifest's events lists");
    }

    [Fact]
    public async Task Publish_DeclaredType_StoredAfterAckStampedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));

        var response = await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-1") }, EventsPlatform.Bearer(token), cancellationToken: Ct);

        var stream = await platform.JetStream.GetStreamAsync(platform.Stream, cancellationToken: Ct);
        var stored = CanonicalEvent.Parser.ParseFrom((await stream.GetAsync(new StreamMsgGetRequest { Seq = response.Sequence }, Ct)).Message.Data.Span);
        Assert.Equal((response.EventId, $"fabrix://plugins/{id}", "fabrix.canonical.v1.UserCreated", "pii", "u-1"),
            (stored.Id, stored.Source, stored.Type, stored.Dataclassification, stored.Data.Unpack<UserCreated>().UserId));
        Assert.Equal(7, Guid.Parse(response.EventId).Version);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(($"plugin:{id}", "lane.canonical.publish", "succeeded"), (row.Actor, row.Action, row.Outcome));
        // Stored single publishes are audited in groups (DecisionItemBatcher): the event is an item of the record.
        using var details = JsonDocument.Parse(row.Details);
        Assert.Equal(response.EventId, Assert.Single(details.RootElement.GetProperty("items").EnumerateArray().ToList()).GetProperty("event_id").GetString());
        Assert.Equal(("UserCreated", "pii"), (details.RootElement.GetProperty("attributes").GetProperty("event_type").GetString(),
            details.RootElement.GetProperty("attributes").GetProperty("classification").GetString()));
    }

    [Fact]
    public async Task Publish_TypeNotDeclared_RefusedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserDeleted"], []));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-1") }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("lane.canonical.publish", "refused", RefusalCodes.EventTypeNotDeclared), (row.Action, row.Outcome, row.Reason));
    }

    [Fact]
    public async Task Publish_StoredButNotAcknowledgedInTime_OutcomeUnknownAndAuditedWithTheStoredEventsId()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-0") }, EventsPlatform.Bearer(token), cancellationToken: Ct);
        var stream = await platform.JetStream.GetStreamAsync(platform.Stream, cancellationToken: Ct);
        var config = stream.Info.Config;
        // The stream stores what it is sent but answers nothing (a JetStream too slow to acknowledge within AckTimeout).
        await platform.JetStream.UpdateStreamAsync(config with { NoAck = true }, Ct);
        RpcException error;
        try
        {
            error = await Assert.ThrowsAsync<RpcException>(async () =>
                await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-9") }, EventsPlatform.Bearer(token), cancellationToken: Ct));
        }
        finally
        {
            await platform.JetStream.UpdateStreamAsync(config with { NoAck = false }, Ct);
        }

        // Not "back-pressure, nothing stored": the event was sent and JetStream did store it.
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(RefusalCodes.PublishOutcomeUnknown, error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        Assert.Contains("may or may not be stored", error.Status.Detail, StringComparison.Ordinal);
        var refused = Assert.Single(await platform.AuditRowsAsync(id, 2), r => r.Outcome == "refused");
        Assert.Equal(RefusalCodes.PublishOutcomeUnknown, refused.Reason);
        using var details = JsonDocument.Parse(refused.Details);
        var eventId = details.RootElement.GetProperty("attributes").GetProperty("event_id").GetString();
        await stream.RefreshAsync(Ct);
        var stored = CanonicalEvent.Parser.ParseFrom((await stream.GetAsync(new StreamMsgGetRequest { Seq = stream.Info.State.LastSeq }, Ct)).Message.Data.Span);
        Assert.Equal((eventId, "u-9"), (stored.Id, stored.Data.Unpack<UserCreated>().UserId));
    }

    [Fact]
    public async Task PublishHttp_MalformedPayload_RefusedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        using var client = platform.Events.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/UserCreated")
        {
            Content = new StringContent("""{"userId":"u-1","salary":100}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(RefusalCodes.EventPayloadInvalid, problem.GetProperty("code").GetString());
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("refused", RefusalCodes.EventPayloadInvalid), (row.Outcome, row.Reason));
    }

    [Fact]
    public async Task Publish_PayloadWithFieldsTheTypeDoesNotDeclare_RefusedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        // A valid UserCreated followed by field 99 (varint 1), which UserCreated does not declare.
        var data = new Any { TypeUrl = UserCreatedUrl, Value = ByteString.CopyFrom([.. UserCreated("u-1").Value, 0x98, 0x06, 0x01]) };

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = data }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("fields the type does not declare", error.Status.Detail, StringComparison.Ordinal);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("refused", RefusalCodes.EventPayloadInvalid), (row.Outcome, row.Reason));
    }

    [Theory]
    [InlineData(0L, -1)]
    [InlineData(253_402_300_800L, 0)]
    public async Task Publish_TimestampTheWellKnownTypeDoesNotAllow_RefusedNamingTheField(long seconds, int nanos)
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        // Binary protobuf takes any seconds and nanos; the JSON form (webhooks, push, dead letters) cannot be written.
        var data = Any.Pack(new UserCreated { UserId = "u-1", CreatedAt = new Timestamp { Seconds = seconds, Nanos = nanos } });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = data }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("created_at: not a valid timestamp", error.Status.Detail, StringComparison.Ordinal);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("refused", RefusalCodes.EventPayloadInvalid), (row.Outcome, row.Reason));
    }

    [Fact]
    public async Task Publish_ShortenedNegativeInt32MakingRoomForAnUndeclaredField_Refused()
    {
        var id = TestManifests.NewId("docs");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["DocumentProcessed"], []));
        // page_count = -1 as a 5-byte varint (the parser takes it; the message writes 10 bytes), then field 99 with a
        // 3-byte value: 11 bytes, exactly the length of the message's own encoding.
        byte[] bytes = [0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x98, 0x06, 0x80, 0x80, 0x01];
        Assert.Equal(bytes.Length, new DocumentProcessed { PageCount = -1 }.CalculateSize());
        var data = new Any { TypeUrl = "type.googleapis.com/fabrix.canonical.v1.DocumentProcessed", Value = ByteString.CopyFrom(bytes) };

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = data }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("fields the type does not declare", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_IllFormedUtf8InAStringField_RefusedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        // user_id = F0 9F 98 41: a four-byte sequence cut after three bytes, then "A". Read leniently it would be
        // "\uFFFDA", which writes itself in as many bytes; the bytes are stored as sent, so the parser must refuse them.
        var data = new Any { TypeUrl = UserCreatedUrl, Value = ByteString.CopyFrom(0x0A, 0x04, 0xF0, 0x9F, 0x98, 0x41) };

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = data }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("UTF-8", error.Status.Detail, StringComparison.Ordinal);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("refused", RefusalCodes.EventPayloadInvalid), (row.Outcome, row.Reason));
    }

    [Fact]
    public async Task Publish_CanonicalPayloadUnderAnyTypeUrlPrefix_StoredAsSentUnderTheCanonicalTypeUrl()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        var sent = UserCreated("u-1").Value;

        var response = await platform.Client.PublishAsync(
            new PublishRequest { Data = new Any { TypeUrl = "example.com/types/fabrix.canonical.v1.UserCreated", Value = sent } },
            EventsPlatform.Bearer(token), cancellationToken: Ct);

        var stored = await StoredAsync(response.Sequence);
        Assert.Equal(UserCreatedUrl, stored.Data.TypeUrl);
        Assert.Equal(sent, stored.Data.Value);
    }

    [Fact]
    public async Task Publish_LongerEncodingOfDeclaredFields_AcceptedAndStoredAsTheMessageWritesItself()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        // user_id written twice: valid protobuf (the last value wins), longer than the message's own encoding, and no
        // field the type does not declare.
        var expected = new UserCreated { UserId = "u-2", DisplayName = "Ada Lovelace", Email = "ada@example.com" };
        var data = new Any { TypeUrl = UserCreatedUrl, Value = ByteString.CopyFrom([.. new UserCreated { UserId = "u-1" }.ToByteArray(), .. expected.ToByteArray()]) };

        var response = await platform.Client.PublishAsync(new PublishRequest { Data = data }, EventsPlatform.Bearer(token), cancellationToken: Ct);

        var stored = await StoredAsync(response.Sequence);
        Assert.Equal((UserCreatedUrl, expected.ToByteString()), (stored.Data.TypeUrl, stored.Data.Value));
    }

    [Fact]
    public async Task Publish_InactivePlugin_RefusedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        await platform.DisableAsync(id);
        await platform.WaitForPolicyAsync(id, p => !p.IsActive, "the lane sees the plugin disabled");

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-1") }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(($"plugin:{id}", "refused", RefusalCodes.CallerNotActive), (row.Actor, row.Outcome, row.Reason));
    }

    [Fact]
    public async Task PublishHttp_SameIdempotencyKey_ReturnsFirstEventIdAndStoresOnce()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        using var client = platform.Events.CreateClient();

        var first = await PostAsync(client, token, "u-1", "key-1");
        var second = await PostAsync(client, token, "u-2", "key-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.Status, second.Status));
        Assert.Equal(first.Body.GetProperty("id").GetString(), second.Body.GetProperty("id").GetString());
        Assert.True(second.Body.GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.Body.GetProperty("sequence").GetUInt64(), second.Body.GetProperty("sequence").GetUInt64());
    }

    [Fact]
    public async Task PublishBatch_NoEvents_RefusedAndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishBatchAsync(new PublishBatchRequest(), EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("lane.canonical.publish", "refused", RefusalCodes.InvalidArgument), (row.Action, row.Outcome, row.Reason));
    }

    [Fact]
    public async Task PublishHttp_NotJson_RefusedWith415AndAudited()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        using var client = platform.Events.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/UserCreated") { Content = new StringContent("userId=u-1", Encoding.UTF8, "text/plain") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var row = Assert.Single(await platform.AuditRowsAsync(id, 1));
        Assert.Equal(("refused", RefusalCodes.UnsupportedMediaType), (row.Outcome, row.Reason));
    }

    [Fact]
    public async Task PublishBatch_MixedEvents_EachStoredOrRefusedOnItsOwn()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        var batch = new PublishBatchRequest();
        batch.Events.Add(new PublishRequest { Data = UserCreated("u-1") });
        batch.Events.Add(new PublishRequest { Data = Any.Pack(new UserDeleted { UserId = "u-1" }) });
        batch.Events.Add(new PublishRequest { Data = UserCreated("u-2") });

        var response = await platform.Client.PublishBatchAsync(batch, EventsPlatform.Bearer(token), cancellationToken: Ct);

        Assert.Equal([string.Empty, RefusalCodes.EventTypeNotDeclared, string.Empty], response.Results.Select(r => r.RefusalCode));
        Assert.Equal([0, (int)StatusCode.PermissionDenied, 0], response.Results.Select(r => r.StatusCode));
        Assert.NotEqual(response.Results[0].Stored.EventId, response.Results[2].Stored.EventId);
        Assert.True(response.Results[2].Stored.Sequence > 0 && response.Results[0].Stored.Sequence > 0);
    }

    [Fact]
    public async Task PublishBatch_StoredEvents_AuditedAsOneRowPerTypeNamingEachEventInOrderAndRefusalsOnTheirOwn()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated", "UserDeleted"], []));
        var batch = new PublishBatchRequest();
        batch.Events.Add(new PublishRequest { Data = UserCreated("u-1") });
        batch.Events.Add(new PublishRequest { Data = Any.Pack(new UserDeleted { UserId = "u-0" }) });
        batch.Events.Add(new PublishRequest { Data = Any.Pack(new PaymentReceived()) });
        batch.Events.Add(new PublishRequest { Data = UserCreated("u-2") });
        batch.Events.Add(new PublishRequest { Data = UserCreated("u-3"), IdempotencyKey = "k-1" });
        batch.Events.Add(new PublishRequest { Data = UserCreated("u-3"), IdempotencyKey = "k-1" });

        var response = await platform.Client.PublishBatchAsync(batch, EventsPlatform.Bearer(token), cancellationToken: Ct);
        var rows = await platform.AuditRowsAsync(id, 3);

        Assert.Equal(RefusalCodes.EventTypeNotDeclared, response.Results[2].RefusalCode);
        Assert.Equal(3, rows.Count);
        var refused = Assert.Single(rows, r => r.Outcome == "refused");
        Assert.Equal(RefusalCodes.EventTypeNotDeclared, refused.Reason);
        var created = Assert.Single(rows, r => r.Target == "fabrix.canonical.v1.UserCreated");
        var deleted = Assert.Single(rows, r => r.Target == "fabrix.canonical.v1.UserDeleted");
        Assert.Equal(("lane.canonical.publish", "succeeded"), (created.Action, created.Outcome));
        using var createdDetails = JsonDocument.Parse(created.Details);
        var attributes = createdDetails.RootElement.GetProperty("attributes");
        Assert.Equal(("UserCreated", "pii", "4"),
            (attributes.GetProperty("event_type").GetString(), attributes.GetProperty("classification").GetString(), attributes.GetProperty("events").GetString()));
        var items = createdDetails.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(StoredUserCreated.Select(i => response.Results[i].Stored.EventId), items.Select(i => i.GetProperty("event_id").GetString()));
        Assert.Equal(StoredUserCreated.Select(i => response.Results[i].Stored.Duplicate), items.Select(i => i.TryGetProperty("duplicate", out var d) && d.GetString() == "true"));
        Assert.Single(items, i => i.TryGetProperty("duplicate", out _));
        using var deletedDetails = JsonDocument.Parse(deleted.Details);
        Assert.Equal(response.Results[1].Stored.EventId, Assert.Single(deletedDetails.RootElement.GetProperty("items").EnumerateArray()).GetProperty("event_id").GetString());
    }

    [Fact]
    public async Task PublishBatch_MoreEventsThanARecordCarries_AuditedInRunsOfAtMostMaxItems()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        var batch = new PublishBatchRequest();
        batch.Events.Add(Enumerable.Range(0, DecisionMessages.MaxItems + 5).Select(i => new PublishRequest { Data = UserCreated($"u-{i}") }));

        var response = await platform.Client.PublishBatchAsync(batch, EventsPlatform.Bearer(token), cancellationToken: Ct);
        var rows = await platform.AuditRowsAsync(id, 2);

        Assert.Equal(2, rows.Count);
        // The two records may reach the chain in either order (the audit publishes batches concurrently).
        var runs = rows.Select(r =>
        {
            using var details = JsonDocument.Parse(r.Details);
            return details.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("event_id").GetString()!).ToList();
        }).OrderByDescending(run => run.Count).ToList();
        var ids = response.Results.Select(r => r.Stored.EventId).ToList();
        Assert.Equal(ids[..DecisionMessages.MaxItems], runs[0]);
        Assert.Equal(ids[DecisionMessages.MaxItems..], runs[1]);
    }

    [Fact]
    public async Task Publish_OverAdministratorRateOverride_ResourceExhaustedWithRetryHint()
    {
        var id = TestManifests.NewId("hr");
        var token = await platform.InstallActiveAsync(EventsPlatform.Manifest(id, ["UserCreated"], []));
        await platform.PolicyAdmin.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = id,
            Canonical = new CanonicalLaneLimits { PublishRequestsPerSecond = 0.01, PublishBurst = 1 },
            Reason = "noisy publisher",
        }, platform.Manager, cancellationToken: Ct);
        await platform.WaitForPolicyAsync(id, p => p.LaneLimits?.CanonicalPublish?.Burst == 1, "the override reaches Core.Events");
        await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-1") }, EventsPlatform.Bearer(token), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await platform.Client.PublishAsync(new PublishRequest { Data = UserCreated("u-2") }, EventsPlatform.Bearer(token), cancellationToken: Ct));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var status = error.GetRpcStatus()!;
        Assert.Equal(RefusalCodes.RateLimited, status.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        Assert.True(status.GetDetail<Google.Rpc.RetryInfo>()!.RetryDelay.ToTimeSpan() > TimeSpan.Zero);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string token, string userId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/UserCreated")
        {
            Content = new StringContent($$"""{"userId":"{{userId}}","displayName":"Ada"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken));
    }
}
