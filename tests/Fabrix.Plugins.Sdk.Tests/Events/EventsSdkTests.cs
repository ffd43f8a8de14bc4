using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk.Events;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream.Models;

namespace Fabrix.Plugins.Sdk.Tests.Events;

/// <summary>AddFabrixEvents against the real Core.Events, registry, PostgreSQL and NATS.</summary>
public sealed class EventsSdkTests(EventsSdkPlatform platform) : IClassFixture<EventsSdkPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishAsync_DeclaredTypeWithKey_StoredOnceAndTheRepeatReturnsTheFirstId()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        using var host = platform.Host(plugin);
        var events = host.Services.GetRequiredService<IEventPublisher>();

        var first = await events.PublishAsync(new UserCreated { UserId = "u-1", DisplayName = "Ada" }, "u-1", Ct);
        var repeat = await events.PublishAsync(new UserCreated { UserId = "u-1", DisplayName = "Ada" }, "u-1", Ct);

        Assert.False(first.Duplicate);
        Assert.Equal((first.EventId, true), (repeat.EventId, repeat.Duplicate));
    }

    [Fact]
    public async Task PublishAsync_TypeNotDeclared_ThrowsEventRefusedWithTheReasonCode()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        using var host = platform.Host(plugin);

        var refused = await Assert.ThrowsAsync<EventRefusedException>(() =>
            host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new UserDeleted { UserId = "u-1" }, cancellationToken: Ct));

        Assert.Equal((RefusalCodes.EventTypeNotDeclared, "UserDeleted"), (refused.ReasonCode, refused.EventType));
    }

    [Fact]
    public async Task PublishAsync_WithoutToken_ThrowsNotRegisteredAndSendsNothing()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        plugin.Unregister();
        using var host = platform.Host(plugin);

        var refused = await Assert.ThrowsAsync<FabrixNotRegisteredException>(() =>
            host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new UserCreated { UserId = "u-1" }, cancellationToken: Ct));

        Assert.Contains("disabled by the test", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishBatchAsync_MixedEvents_EachStoredOrRefusedOnItsOwnInOrder()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        using var host = platform.Host(plugin);
        var events = host.Services.GetRequiredService<IEventPublisher>();

        var results = await events.PublishBatchAsync(
        [
            new(new UserCreated { UserId = "u-1", DisplayName = "Ada" }, "u-1"),
            new(new UserDeleted { UserId = "u-0" }),
            new(new UserCreated { UserId = "u-1", DisplayName = "Ada" }, "u-1"),
            new(new UserCreated { UserId = "u-2", DisplayName = "Grace" }),
        ], Ct);

        Assert.Equal([true, false, true, true], results.Select(r => r.Stored));
        var refused = results[1].Refusal!;
        Assert.Equal((RefusalCodes.EventTypeNotDeclared, Grpc.Core.StatusCode.PermissionDenied, "UserDeleted"), (refused.ReasonCode, refused.StatusCode, refused.EventType));
        Assert.Same(refused, Assert.Throws<EventRefusedException>(() => results[1].EnsureStored()));
        Assert.Equal((results[0].Published!.EventId, true), (results[2].Published!.EventId, results[2].Published!.Duplicate));
        var second = results[3].EnsureStored();
        Assert.NotEqual(results[0].Published!.EventId, second.EventId);
        var stream = await platform.Lane.JetStream.GetStreamAsync(platform.Lane.Stream, cancellationToken: Ct);
        var stored = CanonicalEvent.Parser.ParseFrom((await stream.GetAsync(new StreamMsgGetRequest { Seq = second.Sequence }, Ct)).Message.Data.Span);
        Assert.Equal((second.EventId, "u-2"), (stored.Id, stored.Data.Unpack<UserCreated>().UserId));
    }

    [Fact]
    public async Task PublishBatchAsync_MoreEventsThanCoreEventsTakes_ThrowsEventRefusedAndStoresNothing()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        using var host = platform.Host(plugin);
        var stream = await platform.Lane.JetStream.GetStreamAsync(platform.Lane.Stream, cancellationToken: Ct);
        var before = stream.Info.State.LastSeq;

        var refused = await Assert.ThrowsAsync<EventRefusedException>(() => host.Services.GetRequiredService<IEventPublisher>().PublishBatchAsync(
            [.. Enumerable.Range(0, 501).Select(i => new EventToPublish(new UserCreated { UserId = $"u-{i}" }))], Ct));

        Assert.Equal((RefusalCodes.InvalidArgument, Grpc.Core.StatusCode.InvalidArgument, "UserCreated"), (refused.ReasonCode, refused.StatusCode, refused.EventType));
        await stream.RefreshAsync(Ct);
        Assert.Equal(before, stream.Info.State.LastSeq);
    }

    [Fact]
    public async Task PublishBatchAsync_EmptyOrNotCanonical_ThrowsArgumentNamingTheEvent()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        using var host = platform.Host(plugin);
        var events = host.Services.GetRequiredService<IEventPublisher>();

        var empty = await Assert.ThrowsAsync<ArgumentException>(() => events.PublishBatchAsync([], Ct));
        var foreign = await Assert.ThrowsAsync<ArgumentException>(() =>
            events.PublishBatchAsync([new(new UserCreated { UserId = "u-1" }), new(new Timestamp())], Ct));

        Assert.Contains("at least one event", empty.Message, StringComparison.Ordinal);
        Assert.Contains("events[1]: google.protobuf.Timestamp is not a canonical event type", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishBatchAsync_WithoutToken_ThrowsNotRegistered()
    {
        var plugin = await platform.PluginAsync("hr", ["UserCreated"], []);
        plugin.Unregister();
        using var host = platform.Host(plugin);

        await Assert.ThrowsAsync<FabrixNotRegisteredException>(() =>
            host.Services.GetRequiredService<IEventPublisher>().PublishBatchAsync([new(new UserCreated { UserId = "u-1" })], Ct));
    }

    [Fact]
    public async Task MapFabrixEvent_PublishedEvent_HandlerGetsDataAndContextAndTheEventIsAcked()
    {
        var publisher = await platform.PluginAsync("hr", ["UserCreated"], []);
        var subscriber = await platform.PluginAsync("acct", [], ["UserCreated"]);
        var log = new HandlerLog<UserCreated>();
        using var receiving = platform.Host(subscriber, app => app.MapFabrixEvent<UserCreated>((created, context) =>
        {
            log.Calls.Enqueue((created, context));
            return Task.CompletedTask;
        }));
        await receiving.StartAsync(Ct);
        await EventsSdkPlatform.WaitForSubscriptionAsync(receiving);
        using var publishing = platform.Host(publisher);

        var published = await publishing.Services.GetRequiredService<IEventPublisher>().PublishAsync(new UserCreated { UserId = "u-7", DisplayName = "Grace" }, "u-7", Ct);
        var (evt, context) = (await log.AtLeastAsync(1))[0];

        Assert.Equal(("u-7", published.EventId, 1, "pii"), (evt.UserId, context.EventId, context.Attempt, context.Classification));
        Assert.Equal(($"fabrix://plugins/{publisher.PluginId}", "fabrix.canonical.v1.UserCreated"), (context.Source, context.Type));
        var consumer = await platform.Lane.JetStream.GetConsumerAsync(platform.Lane.Stream, $"{subscriber.PluginId}_UserCreated", Ct);
        await Eventually.UntilAsync(async () =>
        {
            await consumer.RefreshAsync(Ct);
            return consumer.Info.NumAckPending == 0 && consumer.Info.Delivered.ConsumerSeq >= 1;
        }, TimeSpan.FromSeconds(30), "the delivery is acknowledged", Ct);
        await receiving.StopAsync(Ct);
    }

    [Fact]
    public async Task MapFabrixEvent_HandlerThrows_NackedAndRedeliveredWithTheSameId()
    {
        var publisher = await platform.PluginAsync("hr", ["UserCreated"], []);
        var subscriber = await platform.PluginAsync("acct", [], ["UserCreated"]);
        var log = new HandlerLog<UserCreated>();
        using var receiving = platform.Host(subscriber, app => app.MapFabrixEvent<UserCreated>((created, context) =>
        {
            log.Calls.Enqueue((created, context));
            return context.Attempt == 1 ? throw new TimeoutException("database busy") : Task.CompletedTask;
        }));
        await receiving.StartAsync(Ct);
        await EventsSdkPlatform.WaitForSubscriptionAsync(receiving);
        using var publishing = platform.Host(publisher);

        var published = await publishing.Services.GetRequiredService<IEventPublisher>().PublishAsync(new UserCreated { UserId = "u-8" }, cancellationToken: Ct);
        var calls = await log.AtLeastAsync(2);

        Assert.Equal([(published.EventId, 1), (published.EventId, 2)], calls.Take(2).Select(c => (c.Context.EventId, c.Context.Attempt)));
        await receiving.StopAsync(Ct);
    }

    [Fact]
    public async Task Subscriber_StreamEndedByCoreEvents_ReconnectsAndReceivesLaterEvents()
    {
        var publisher = await platform.PluginAsync("hr", ["UserCreated"], []);
        var subscriber = await platform.PluginAsync("acct", [], ["UserCreated"]);
        var log = new HandlerLog<UserCreated>();
        using var receiving = platform.Host(subscriber, app => app.MapFabrixEvent<UserCreated>((created, context) =>
        {
            log.Calls.Enqueue((created, context));
            return Task.CompletedTask;
        }));
        await receiving.StartAsync(Ct);
        await EventsSdkPlatform.WaitForSubscriptionAsync(receiving);

        // Disabling ends the stream (PERMISSION_DENIED); the SDK keeps trying and is let in again once enabled.
        await platform.Lane.DisableAsync(subscriber.PluginId);
        await platform.Lane.WaitForPolicyAsync(subscriber.PluginId, p => !p.IsActive, "the subscriber is disabled at Core.Events");
        await platform.Lane.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = subscriber.PluginId, Reason = "fixed" }, platform.Lane.Manager, cancellationToken: Ct);
        await platform.Lane.WaitForPolicyAsync(subscriber.PluginId, p => p.IsActive, "the subscriber is active again at Core.Events");
        await EventsSdkPlatform.WaitForSubscriptionAsync(receiving);
        using var publishing = platform.Host(publisher);
        await publishing.Services.GetRequiredService<IEventPublisher>().PublishAsync(new UserCreated { UserId = "u-9" }, cancellationToken: Ct);

        Assert.Equal("u-9", (await log.AtLeastAsync(1))[0].Event.UserId);
        await receiving.StopAsync(Ct);
    }

    [Fact]
    public async Task Subscriber_CoreEventsUnreachable_HostKeepsRunningAndReportsDegraded()
    {
        var subscriber = await platform.PluginAsync("acct", [], ["UserCreated"]);
        using var receiving = platform.Host(subscriber, app => app.MapFabrixEvent<UserCreated>((_, _) => Task.CompletedTask),
            unreachableEventsAddress: $"http://127.0.0.1:{FreePort.Next()}");
        await receiving.StartAsync(Ct);

        var report = await Eventually.ForAsync(
            () => receiving.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == FabrixEventsExtensions.HealthCheckName, Ct),
            r => r.Status == HealthStatus.Degraded, TimeSpan.FromSeconds(30), "the subscription reports degraded", Ct);

        Assert.Equal("reconnecting", report.Entries[FabrixEventsExtensions.HealthCheckName].Data["events"]);
        Assert.False(receiving.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        await receiving.StopAsync(Ct);
    }

    [Fact]
    public async Task HandleAsync_IdAlreadyHandledInThisProcess_AckedWithoutCallingTheHandler()
    {
        var subscriber = await platform.PluginAsync("acct", [], ["UserCreated"]);
        var calls = 0;
        using var host = platform.Host(subscriber, app => app.MapFabrixEvent<UserCreated>((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }));
        var subscriberService = host.Services.GetRequiredService<EventSubscriber>();
        var mapped = host.Services.GetRequiredService<EventHandlers>().Freeze();
        var delivery = new Delivery
        {
            Event = new CanonicalEvent { Id = "0193f0c2-0000-7000-8000-000000000001", Type = "fabrix.canonical.v1.UserCreated", Data = Any.Pack(new UserCreated { UserId = "u-1" }) },
            Attempt = 1,
        };

        var first = await subscriberService.HandleAsync(delivery, mapped, Ct);
        var again = await subscriberService.HandleAsync(delivery, mapped, Ct);

        Assert.Equal((1, SubscribeRequest.KindOneofCase.Ack, SubscribeRequest.KindOneofCase.Ack), (calls, first.KindCase, again.KindCase));
    }

    [Fact]
    public async Task HandleAsync_SameIdWhileItsHandlerRuns_NackedWithoutASecondConcurrentCall()
    {
        var subscriber = await platform.PluginAsync("acct", [], ["UserCreated"]);
        var calls = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = platform.Host(subscriber, app => app.MapFabrixEvent<UserCreated>(async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            await release.Task;
        }));
        var subscriberService = host.Services.GetRequiredService<EventSubscriber>();
        var mapped = host.Services.GetRequiredService<EventHandlers>().Freeze();
        var delivery = new Delivery
        {
            Event = new CanonicalEvent { Id = "0193f0c2-0000-7000-8000-000000000002", Type = "fabrix.canonical.v1.UserCreated", Data = Any.Pack(new UserCreated { UserId = "u-1" }) },
            Attempt = 1,
        };

        // A push Core.Events gave up on still runs its handler when the event is pushed again.
        var running = subscriberService.HandleAsync(delivery, mapped, Ct);
        var during = await subscriberService.HandleAsync(delivery, mapped, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        release.SetResult();
        var first = await running;
        var after = await subscriberService.HandleAsync(delivery, mapped, Ct);

        Assert.Equal((SubscribeRequest.KindOneofCase.Nack, "InProgress"), (during.KindCase, during.Nack.Reason));
        Assert.Equal((1, SubscribeRequest.KindOneofCase.Ack, SubscribeRequest.KindOneofCase.Ack), (calls, first.KindCase, after.KindCase));
    }

    [Fact]
    public async Task MapFabrixEvent_TypeNotInTheManifestsSubscribes_Throws()
    {
        var plugin = await platform.PluginAsync("acct", [], ["UserCreated"]);
        using var host = platform.Host(plugin);

        var refused = Assert.Throws<InvalidOperationException>(() => host.MapFabrixEvent<UserDeleted>((_, _) => Task.CompletedTask));

        Assert.Contains("events.subscribes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HandledEvents_OverCapacity_ForgetsTheOldestFirst()
    {
        var handled = new HandledEvents(2);

        handled.Add("a");
        handled.Add("b");
        handled.Add("c");

        Assert.Equal((false, true, true, 2), (handled.Contains("a"), handled.Contains("b"), handled.Contains("c"), handled.Count));
    }

    [Theory]
    [InlineData(null, "Fabrix:Plugin:EventsAddress (or services:events:grpc:0) is required")]
    [InlineData("ftp://events", "Fabrix:Plugin:EventsAddress 'ftp://events' is not an absolute http(s) URL")]
    public void OptionsValidator_BadAddress_NamesTheKey(string? address, string expected)
    {
        var result = new FabrixEventsOptionsValidator().Validate(null, new FabrixEventsOptions { EventsAddress = address });

        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void OptionsValidator_EveryBadKey_ReportedAtOnce()
    {
        var result = new FabrixEventsOptionsValidator().Validate(null, new FabrixEventsOptions
        {
            EventsAddress = "http://127.0.0.1:5311",
            EventsReconnectBaseDelay = TimeSpan.Zero,
            EventsDedupeCapacity = 0,
        });

        Assert.Equal(2, result.Failures!.Count());
        Assert.IsType<ValidateOptionsResult>(result);
    }
}
