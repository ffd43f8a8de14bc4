using System.Globalization;
using System.Net;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Plugins.Sdk.Tests.Events;

/// <summary>
/// <c>MapFabrixEvent</c> with push delivery (issue 11 section 3): the SDK's push endpoint on a real Kestrel plugin, fed
/// by the real Core.Events (end to end) or by signed requests the test makes (signature, dedupe and failure rules).
/// </summary>
public sealed class PushSdkTests(EventsSdkPlatform platform) : IClassFixture<EventsSdkPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MapFabrixEvent_PushDelivery_HandlerGetsTheEventCoreEventsPushed()
    {
        var port = FreePort.Next();
        var (subscriber, secret) = await platform.PushPluginAsync(port, "UserCreated");
        var log = new HandlerLog<UserCreated>();
        await using var app = await platform.WebHostAsync(subscriber, port, secret, a => a.MapFabrixEvent<UserCreated>((created, context) =>
        {
            log.Calls.Enqueue((created, context));
            return Task.CompletedTask;
        }));
        var publisher = await platform.PluginAsync("hr", ["UserCreated"], []);
        using var publishing = platform.Host(publisher);

        // Core.Events pulls for the plugin once its push pump runs: from then on nothing published is missed.
        await Eventually.UntilAsync(async () =>
            (await platform.Lane.JetStream.GetConsumerAsync(platform.Lane.Stream, $"{subscriber.PluginId}_UserCreated", Ct)).Info.NumWaiting > 0,
            TimeSpan.FromSeconds(30), "Core.Events pulls for the push plugin", Ct);
        var published = await publishing.Services.GetRequiredService<IEventPublisher>().PublishAsync(new UserCreated { UserId = "u-8", DisplayName = "Ada" }, "u-8", Ct);
        var (evt, context) = (await log.AtLeastAsync(1))[0];

        Assert.Equal(("u-8", published.EventId, 1), (evt.UserId, context.EventId, context.Attempt));
        var rows = await platform.Lane.AuditRowsAsync(subscriber.PluginId, 1);
        Assert.Contains(rows, r => r.Action == "lane.canonical.deliver" && r.Outcome == "succeeded" && r.Details.Contains("\"mode\": \"push\"", StringComparison.Ordinal)
            && r.Details.Contains("\"status\": \"204\"", StringComparison.Ordinal));
        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == FabrixEventsExtensions.HealthCheckName, Ct);
        Assert.Equal("push", health.Entries[FabrixEventsExtensions.HealthCheckName].Data["events"]);
    }

    [Theory]
    [InlineData("other secret")]
    [InlineData("stale timestamp")]
    [InlineData("no signature")]
    public async Task PushEndpoint_BadSignature_401WithoutCallingTheHandler(string fault)
    {
        var (plugin, secret) = await PushPluginAsync();
        var calls = 0;
        var port = FreePort.Next();
        await using var app = await platform.WebHostAsync(plugin, port, secret, a => a.MapFabrixEvent<UserCreated>((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }));
        var (id, body) = Event("u-9");
        var signingSecret = fault == "other secret" ? WebhookSecret.Generate() : secret;
        var timestamp = DateTimeOffset.UtcNow - (fault == "stale timestamp" ? TimeSpan.FromMinutes(6) : TimeSpan.Zero);

        using var response = await PostAsync(port, id, body, signingSecret, timestamp, sign: fault != "no signature");

        Assert.Equal((HttpStatusCode.Unauthorized, 0), (response.StatusCode, calls));
    }

    [Fact]
    public async Task PushEndpoint_SecretRotatedAtRenewal_AcceptsTheNewAndTheReplacedSecret()
    {
        var (plugin, replaced) = await PushPluginAsync();
        var calls = 0;
        var port = FreePort.Next();
        await using var app = await platform.WebHostAsync(plugin, port, replaced, a => a.MapFabrixEvent<UserCreated>((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }));
        var rotated = WebhookSecret.Generate();

        // What a renewal answer carrying a rotated secret does.
        app.Services.GetRequiredService<Fabrix.Plugins.Sdk.Registration.PluginPushSecret>().Set(rotated);
        var (newId, newBody) = Event("u-11");
        var (oldId, oldBody) = Event("u-12");
        var (otherId, otherBody) = Event("u-13");
        using var signedNew = await PostAsync(port, newId, newBody, rotated, DateTimeOffset.UtcNow);
        using var signedOld = await PostAsync(port, oldId, oldBody, replaced, DateTimeOffset.UtcNow);
        using var signedOther = await PostAsync(port, otherId, otherBody, WebhookSecret.Generate(), DateTimeOffset.UtcNow);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.Unauthorized, 2),
            (signedNew.StatusCode, signedOld.StatusCode, signedOther.StatusCode, calls));
    }

    [Fact]
    public async Task PushEndpoint_SameEventPushedTwice_HandlerCalledOnceBothAcknowledged()
    {
        var (plugin, secret) = await PushPluginAsync();
        var calls = 0;
        var port = FreePort.Next();
        await using var app = await platform.WebHostAsync(plugin, port, secret, a => a.MapFabrixEvent<UserCreated>((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }));
        var (id, body) = Event("u-10");

        using var first = await PostAsync(port, id, body, secret, DateTimeOffset.UtcNow);
        using var again = await PostAsync(port, id, body, secret, DateTimeOffset.UtcNow, attempt: 2);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent, 1), (first.StatusCode, again.StatusCode, calls));
    }

    [Fact]
    public async Task PushEndpoint_HandlerThrows_500SoCoreEventsRedelivers()
    {
        var (plugin, secret) = await PushPluginAsync();
        var port = FreePort.Next();
        await using var app = await platform.WebHostAsync(plugin, port, secret,
            a => a.MapFabrixEvent<UserCreated>((_, _) => throw new InvalidOperationException("database busy")));
        var (id, body) = Event("u-11");

        using var response = await PostAsync(port, id, body, secret, DateTimeOffset.UtcNow);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("InvalidOperationException", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenPaths_PushManifest_PushPathNeedsNoCallerContext()
    {
        var (plugin, _) = await PushPluginAsync();

        var open = new Fabrix.Plugins.Sdk.CallerContexts.OpenPaths(plugin);

        Assert.Equal((true, false), (open.IsOpen(EventsSdkPlatform.PushPath), open.IsOpen(EventsSdkPlatform.PushPath + "/other")));
    }

    /// <summary>A push plugin as the SDK would hold it (manifest, token, push secret); no event reaches it from Core.Events here (address port 9).</summary>
    private Task<(TokenHoldingPlugin Plugin, string Secret)> PushPluginAsync() => platform.PushPluginAsync(9, "UserCreated");

    private static (string Id, byte[] Body) Event(string userId) =>
        ScriptedPush.Event(new UserCreated { UserId = userId, DisplayName = "Ada" }, publisher: "hr", classification: "pii");

    private static async Task<HttpResponseMessage> PostAsync(int port, string id, byte[] body, string secret, DateTimeOffset at, bool sign = true, int attempt = 1)
    {
        using var client = new HttpClient();
        using var request = ScriptedPush.Request(new Uri($"http://127.0.0.1:{port}{EventsSdkPlatform.PushPath}"), id, body, sign ? secret : null, at);
        request.Headers.TryAddWithoutValidation("Fabrix-Delivery-Attempt", attempt.ToString(CultureInfo.InvariantCulture));
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
