using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Webhooks;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>The webhook platform with Core.Events polling the endpoints only every ten minutes: what it learns sooner, it learned from a notice.</summary>
public sealed class SlowPollWebhookPlatform(PostgresServer postgres, NatsServer nats) : WebhookPlatform(postgres, nats)
{
    protected override TimeSpan RefreshInterval => TimeSpan.FromMinutes(10);

    /// <summary>
    /// Waits until the listener is subscribed and the reads of the start are done (the first one, and the one the
    /// listener asks for once subscribed); from then on only a notice (or the ten-minute poll) makes Core.Events read.
    /// </summary>
    public async Task QuietAsync()
    {
        var listener = Events.Services.GetRequiredService<WebhookChangeListener>();
        var targets = Events.Services.GetRequiredService<WebhookTargetSource>();
        await Eventually.UntilAsync(() => Task.FromResult(listener.Subscribed && targets.Reads >= 2), TimeSpan.FromSeconds(30),
            "the change listener subscribed and the start's reads done", CancellationToken.None);
    }
}

/// <summary>
/// Endpoint changes reach Core.Events through the registry's notice on the change subject (issue 11 section 4), on real
/// PostgreSQL and NATS: with the poll ten minutes apart, every change below is acted on within the wait, so only the
/// notice can explain it.
/// </summary>
public sealed class WebhookChangeNotificationTests(SlowPollWebhookPlatform platform) : IClassFixture<SlowPollWebhookPlatform>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddWebhookEndpoint_PollTenMinutesApart_DeliveredAfterTheRegistrysNotice()
    {
        await platform.QuietAsync();
        var path = "/notified/" + Guid.NewGuid().ToString("N");
        var token = await platform.InstallPublisherAsync(Fabrix.Core.Registry.Tests.Infrastructure.TestManifests.NewId("hr"), "UserDeleted");

        var endpoint = await platform.AddEndpointAsync(platform.Url(path), "UserDeleted");
        var eventId = await platform.PublishUserDeletedAsync(token);

        Assert.Single(await platform.ReceivedAsync(path, eventId, 1));
        Assert.True(await platform.ConsumerExistsAsync(WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id)));
    }

    [Fact]
    public async Task DisableWebhookEndpoint_PollTenMinutesApart_ConsumerDeletedAfterTheRegistrysNotice()
    {
        await platform.QuietAsync();
        var endpoint = await platform.AddEndpointAsync(platform.Url("/disabled/" + Guid.NewGuid().ToString("N")), "UserDeleted");

        await platform.Webhooks.DisableWebhookEndpointAsync(new SetWebhookEndpointEnabledRequest { Id = endpoint.Endpoint.Id, Reason = "maintenance" },
            platform.Manager, cancellationToken: Ct);

        await Eventually.UntilAsync(async () => !await platform.ConsumerExistsAsync(WebhookDispatcher.ConsumerOf(endpoint.Endpoint.Id)), Within,
            "the disabled endpoint's consumer is deleted", CancellationToken.None);
    }

    [Fact]
    public async Task RotateWebhookSecret_PollTenMinutesApart_BothSecretsHeldAfterTheRegistrysNotice()
    {
        await platform.QuietAsync();
        var endpoint = await platform.AddEndpointAsync(platform.Url("/rotated/" + Guid.NewGuid().ToString("N")), "UserDeleted");
        var targets = platform.Events.Services.GetRequiredService<WebhookTargetSource>();

        await platform.Webhooks.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { Id = endpoint.Endpoint.Id, Reason = "rotation" }, platform.Manager, cancellationToken: Ct);

        await Eventually.UntilAsync(() => Task.FromResult(targets.Current.TryGetValue(endpoint.Endpoint.Id, out var target) && target.Secrets.Count == 2), Within,
            "Core.Events holds the new and the previous secret", CancellationToken.None);
    }
}
