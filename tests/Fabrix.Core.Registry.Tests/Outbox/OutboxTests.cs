using System.Text.Json;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Tests.Outbox;

public sealed class OutboxTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Enable_RegisteredPlugin_PublishesLifecycleMessageOnNats()
    {
        var id = TestManifests.NewId("nats");
        await host.InstallAsync(id);
        await host.RegisterRestOkAsync(id);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>($"fabrix.plugin.{id}.lifecycle", cancellationToken: Ct);
        await nats.PingAsync(Ct);

        await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "ready" }, host.Manager, cancellationToken: Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        JsonElement message;
        do
        {
            var received = await subscription.Msgs.ReadAsync(timeout.Token);
            message = JsonDocument.Parse(received.Data!).RootElement.Clone();
        }
        while (message.GetProperty("trigger").GetString() != "enable");

        Assert.Equal(id, message.GetProperty("plugin_id").GetString());
        Assert.Equal("registered", message.GetProperty("from").GetString());
        Assert.Equal("active", message.GetProperty("to").GetString());
        Assert.Equal("user:morgan", message.GetProperty("actor").GetString());
        Assert.Equal("ready", message.GetProperty("reason").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from event_outbox where sent_at is null and payload->>'plugin_id' = @id and payload->>'trigger' = 'enable'", ("id", id)));
    }

    [Fact]
    public async Task Install_Plugin_PublishesPolicyChanged()
    {
        var id = TestManifests.NewId("policy");
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>("fabrix.policy.changed", cancellationToken: Ct);
        await nats.PingAsync(Ct);

        await host.InstallAsync(id);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        JsonElement message;
        do
        {
            var received = await subscription.Msgs.ReadAsync(timeout.Token);
            message = JsonDocument.Parse(received.Data!).RootElement.Clone();
        }
        while (message.GetProperty("plugin_id").GetString() != id);

        Assert.Equal("installed", message.GetProperty("status").GetString());
        Assert.Equal("lifecycle.install", message.GetProperty("cause").GetString());
    }

    [Fact]
    public async Task WatchPlugins_OpenThenDisable_DeliversSnapshotThenTheChange()
    {
        var id = TestManifests.NewId("watch");
        await host.InstallAsync(id, enableOnRegister: true);
        await host.RegisterRestOkAsync(id);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        using var watch = host.Admin.WatchPlugins(new WatchPluginsRequest(), host.AdminHeaders("vera", "audit_viewer"), cancellationToken: timeout.Token);
        var stream = watch.ResponseStream;

        var received = new List<PluginChange>();
        while (await stream.MoveNext(timeout.Token))
        {
            received.Add(stream.Current);
            if (stream.Current is { Kind: PluginChange.Types.Kind.Snapshot } snapshot && snapshot.Plugin.Id == id)
            {
                break;
            }
        }

        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);
        while (await stream.MoveNext(timeout.Token))
        {
            received.Add(stream.Current);
            if (stream.Current is { Kind: PluginChange.Types.Kind.Upserted, Plugin.Status: PluginStatus.Disabled } change && change.Plugin.Id == id)
            {
                break;
            }
        }

        var firstUpsert = received.FindIndex(c => c.Kind != PluginChange.Types.Kind.Snapshot);
        Assert.True(firstUpsert > 0, "the snapshot comes first");
        Assert.All(received[firstUpsert..], c => Assert.NotEqual(PluginChange.Types.Kind.Snapshot, c.Kind));
        Assert.Equal(PluginStatus.Active, received.Single(c => c.Kind == PluginChange.Types.Kind.Snapshot && c.Plugin.Id == id).Plugin.Status);
        Assert.Equal(PluginStatus.Disabled, received[^1].Plugin.Status);
    }

    [Fact]
    public async Task WatchPlugins_Uninstall_DeliversRemoval()
    {
        var id = TestManifests.NewId("gone");
        await host.InstallAsync(id);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        using var watch = host.Admin.WatchPlugins(new WatchPluginsRequest(), host.Manager, cancellationToken: timeout.Token);
        var stream = watch.ResponseStream;
        while (await stream.MoveNext(timeout.Token) && !(stream.Current.Kind == PluginChange.Types.Kind.Snapshot && stream.Current.Plugin.Id == id))
        {
        }

        await host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);

        PluginChange change;
        do
        {
            Assert.True(await stream.MoveNext(timeout.Token));
            change = stream.Current;
        }
        while (change.Plugin.Id != id);

        Assert.Equal(PluginChange.Types.Kind.Removed, change.Kind);
    }

    [Fact]
    public async Task WatchPlugins_NoToken_IsUnauthenticated()
    {
        using var watch = host.Admin.WatchPlugins(new WatchPluginsRequest(), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => watch.ResponseStream.MoveNext(Ct));

        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, error.StatusCode);
    }
}
