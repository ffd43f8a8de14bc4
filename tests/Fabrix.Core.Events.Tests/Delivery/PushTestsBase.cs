using System.Text.Json.Nodes;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Events.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Events.Tests.Delivery;

/// <summary>What the push delivery tests share: a loopback receiver, push subscribers and publishers on <typeparamref name="TPlatform"/>.</summary>
public abstract class PushTestsBase<TPlatform>(TPlatform platform) : IAsyncLifetime
    where TPlatform : EventsPlatform
{
    protected static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    protected static readonly CanonicalEventType UserCreated = CanonicalEventTypes.Find("UserCreated")!;

    protected TPlatform Platform { get; } = platform;

    protected PushReceiver Receiver { get; } = new();

    protected Dictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => Receiver.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Drops or restores the subscriber's <c>handles_pii</c> in the registry's table (no valid manifest subscribes to a pii
    /// type without it), then makes a policy revision name the plugin (a lane limit; an upgrade changing traits reaches the
    /// lanes the same way) and waits until Core.Events holds it.
    /// </summary>
    protected async Task SetTraitAsync(string pluginId, bool present, int publishRate)
    {
        await Platform.ExecuteAsync(present
            ? "update plugins set traits = array_append(traits, 'handles_pii') where id = @id"
            : "update plugins set traits = array_remove(traits, 'handles_pii') where id = @id", ("id", pluginId));
        await Platform.PolicyAdmin.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = pluginId,
            Canonical = new CanonicalLaneLimits { PublishRequestsPerSecond = publishRate },
            Reason = "touch the policy",
        }, Platform.Manager, cancellationToken: Ct);
        await Platform.WaitForPolicyAsync(pluginId, p => p.Traits.Contains("handles_pii") == present,
            present ? "the trait is back at Core.Events" : "the trait is gone at Core.Events");
    }

    protected async Task<string> PublisherAsync() =>
        await Platform.InstallActiveAsync(EventsPlatform.Manifest(TestManifests.NewId("hr"), ["UserCreated"], []));

    /// <summary>An active push subscriber to UserCreated whose address is the receiver; waits until Core.Events pushes to it.</summary>
    protected async Task<(string Id, string Path, string Secret)> PushSubscriberAsync()
    {
        var id = TestManifests.NewId("acct");
        var path = $"/push/{id}";
        var manifest = EventsPlatform.Manifest(id, [], ["UserCreated"]);
        manifest["events"]!["delivery"] = "push";
        manifest["events"]!["push_path"] = path;
        var registered = await Platform.InstallActiveAsync(manifest, Receiver.Address);
        var secret = registered.GetProperty("push_secret").GetString()!;
        Tokens[id] = registered.GetProperty("token").GetString()!;
        var consumer = Fabrix.Core.Events.Delivery.SubscriptionConsumers.NameOf(id, CanonicalEventTypes.Find("UserCreated")!);
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                var info = await Platform.JetStream.GetConsumerAsync(Platform.Stream, consumer, Ct);
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

    protected async Task<string> PublishAsync(string token, string userId) =>
        (await Platform.Client.PublishAsync(new PublishRequest { Data = Any.Pack(new UserCreated { UserId = userId, DisplayName = "Ada" }) },
            EventsPlatform.Bearer(token), cancellationToken: Ct)).EventId;

    protected Task<IReadOnlyList<ReceivedPush>> PushesAsync(string path, int atLeast) =>
        Eventually.ForAsync(() => Task.FromResult(Receiver.At(path)), pushes => pushes.Count >= atLeast, Within, $"{atLeast} pushes to {path}", Ct);

    protected static Dictionary<string, string> Attributes(AuditRow row) =>
        JsonNode.Parse(row.Details)!["attributes"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
}
