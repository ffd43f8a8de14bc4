using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Outbox;

namespace Fabrix.Core.Registry.Tests.Outbox;

public sealed class PluginChangeBroadcasterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_TwoSubscribers_EachReceivesEveryChangeInOrder()
    {
        var broadcaster = new PluginChangeBroadcaster();
        using var first = broadcaster.Subscribe();
        using var second = broadcaster.Subscribe();

        broadcaster.Publish(Change("a"));
        broadcaster.Publish(Change("b"));

        foreach (var subscription in new[] { first, second })
        {
            Assert.Equal("a", (await subscription.Reader.ReadAsync(Ct)).Plugin.Id);
            Assert.Equal("b", (await subscription.Reader.ReadAsync(Ct)).Plugin.Id);
        }
    }

    [Fact]
    public async Task Publish_SubscriberFallsBehind_IsCutOffWithoutAffectingOthers()
    {
        var broadcaster = new PluginChangeBroadcaster();
        using var slow = broadcaster.Subscribe();
        using var fast = broadcaster.Subscribe();

        for (var i = 0; i <= PluginChangeBroadcaster.Capacity; i++)
        {
            broadcaster.Publish(Change($"p{i}"));
            if (fast.Reader.TryRead(out var change))
            {
                Assert.Equal($"p{i}", change.Plugin.Id);
            }
        }

        Assert.Equal(1, broadcaster.SubscriberCount);
        var received = 0;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var _ in slow.Reader.ReadAllAsync(Ct))
            {
                received++;
            }
        });
        Assert.Equal(PluginChangeBroadcaster.Capacity, received);
        Assert.True(error is SubscriberFellBehindException || error.InnerException is SubscriberFellBehindException, error.ToString());
    }

    [Fact]
    public void Dispose_Subscription_StopsDelivery()
    {
        var broadcaster = new PluginChangeBroadcaster();
        var subscription = broadcaster.Subscribe();

        subscription.Dispose();
        broadcaster.Publish(Change("late"));

        Assert.Equal(0, broadcaster.SubscriberCount);
        Assert.False(subscription.Reader.TryRead(out _));
        Assert.True(subscription.Reader.Completion.IsCompleted);
    }

    private static PluginChange Change(string id) => new() { Kind = PluginChange.Types.Kind.Upserted, Plugin = new PluginSummary { Id = id } };
}
