using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The Events page's dead letters in real Chromium against the running platform (issue 11 sections 3 and 5, "Tests that
/// must exist"): a real dead letter of a <c>pii</c> event, produced by a subscriber in this test process (installed and
/// registered like a plugin, subscribing over Core.Events' Subscribe stream and nacking every delivery until the lane
/// dead-letters it); an audit_viewer sees it without its payload, an admin sees the payload and that view is audited.
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class EventsBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime, IDisposable
{
    private const string EventType = nameof(PaymentReceived);
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(2);
    private readonly GrpcChannel _registry = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
    private readonly GrpcChannel _events = GrpcChannel.ForAddress(platform.Endpoints["events"]);
    private readonly List<IBrowserContext> _contexts = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _registry.Dispose();
        _events.Dispose();
    }

    [Fact]
    public async Task AuditViewer_InspectsAPiiDeadLetter_SeesItWithoutThePayload_AdminSeesThePayloadAudited()
    {
        var plugin = "e2e-dlq-" + Guid.NewGuid().ToString("N")[..8];
        var reference = "e2e-private-reference-" + Guid.NewGuid().ToString("N")[..12];
        var token = await InstallAndRegisterAsync(plugin);
        try
        {
            var eventId = await DeadLetterAsync(plugin, token, reference);

            // audit_viewer: the dead letter's metadata, never the payload of a pii event.
            var viewer = await SignInAsync("olga", AdminRoles.AuditViewer);
            var row = viewer.Locator("[data-testid=events-dlq-row]").Filter(new() { HasText = eventId });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync(plugin);
            await Expect(row).ToContainTextAsync("pii");
            await Expect(viewer.Locator("[data-testid^=events-dlq-replay-]")).ToHaveCountAsync(0);
            var sequence = await row.GetAttributeAsync("data-sequence");
            await viewer.GetByTestId($"events-dlq-inspect-{sequence}").ClickAsync();
            await Expect(viewer.GetByTestId("events-dlq-payload-withheld")).ToBeVisibleAsync();
            await Expect(viewer.GetByTestId("events-dlq-payload")).ToHaveCountAsync(0);
            Assert.DoesNotContain(reference, await viewer.ContentAsync(), StringComparison.Ordinal);
            await Screenshots.TakeAsync(viewer, "events-dlq-withheld");

            // admin: the payload, and the view is in the audit log.
            var admin = await SignInAsync("ada", AdminRoles.Admin);
            await admin.GetByTestId($"events-dlq-inspect-{sequence}").ClickAsync();
            await Expect(admin.GetByTestId("events-dlq-payload")).ToContainTextAsync(reference);
            var audit = new AuditLog.AuditLogClient(_registry);
            var view = await Eventually.ForAsync(async () =>
                    (await audit.QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Action = "events.dead_letter.payload.read", Actor = "user:ada" }, PageSize = 200 },
                        AdminHeaders(), cancellationToken: Ct)).Records.FirstOrDefault(r => r.DetailsJson.Contains(eventId, StringComparison.Ordinal)),
                r => r is not null, Within, "the admin's payload view is audited", Ct);
            Assert.Equal("succeeded", view!.Outcome);
            var olgasViews = await audit.QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Action = "events.dead_letter.payload.read", Actor = "user:olga" } },
                AdminHeaders(), cancellationToken: Ct);
            Assert.Empty(olgasViews.Records);
        }
        finally
        {
            // Leave the platform as found for the other tests (the dead letter stays: it is the lane's record).
            var registry = platform.Admin();
            await registry.UnregisterPluginAsync(new PluginTransitionRequest { Id = plugin, Reason = "e2e cleanup" }, cancellationToken: Ct);
            await registry.UninstallPluginAsync(new UninstallPluginRequest { Id = plugin, Reason = "e2e cleanup" }, cancellationToken: Ct);
        }
    }

    /// <summary>
    /// Publishes a PaymentReceived as <paramref name="plugin"/> and, as its subscriber, nacks every delivery of it over
    /// Core.Events' Subscribe stream until the lane moves it to the dead-letter stream; answers the event's id.
    /// </summary>
    private async Task<string> DeadLetterAsync(string plugin, string token, string reference)
    {
        var events = new Contracts.Events.V1.Events.EventsClient(_events);
        var eventsAdmin = new EventsAdmin.EventsAdminClient(_registry);
        var auth = new Metadata { { "authorization", $"Bearer {token}" } };

        // The lane creates the durable consumer once its snapshot shows the plugin active and entitled.
        await Eventually.ForAsync(async () => (await eventsAdmin.ListSubscriptionsAsync(new ListSubscriptionsRequest(), AdminHeaders(), cancellationToken: Ct))
                .Subscriptions.Any(s => s.PluginId == plugin && s.EventType == EventType),
            found => found, Within, $"Core.Events has {plugin}'s {EventType} subscription", Ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var subscription = events.Subscribe(auth, cancellationToken: stop.Token);
        var open = new OpenSubscription();
        open.EventTypes.Add(EventType);
        await subscription.RequestStream.WriteAsync(new SubscribeRequest { Open = open }, Ct);

        var published = await events.PublishAsync(new PublishRequest
        {
            Data = Any.Pack(new PaymentReceived
            {
                PaymentId = "pay-" + Guid.NewGuid().ToString("N")[..8], PayerId = "e2e-payer", AmountMinor = 4200, Currency = "EUR", Reference = reference,
                ReceivedAt = Timestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow()),
            }),
        }, auth, cancellationToken: Ct);

        // A handler that cannot take this payment: every delivery is nacked (the lane redelivers with backoff, then
        // dead-letters after its max deliveries).
        var nacks = Task.Run(async () =>
        {
            var deliveries = 0;
            try
            {
                while (await subscription.ResponseStream.MoveNext(stop.Token))
                {
                    var delivery = subscription.ResponseStream.Current;
                    deliveries++;
                    await subscription.RequestStream.WriteAsync(new SubscribeRequest
                    {
                        Nack = new Settle { EventId = delivery.Event.Id, Reason = "e2e: the handler refuses this payment" },
                    }, stop.Token);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                // Stopped below.
            }

            return deliveries;
        }, Ct);

        var letter = await Eventually.ForAsync(async () => (await eventsAdmin.ListDeadLettersAsync(new ListDeadLettersRequest { PluginId = plugin, Limit = 500 }, AdminHeaders(), cancellationToken: Ct))
                .DeadLetters.FirstOrDefault(d => d.PluginId == plugin && d.EventId == published.EventId),
            d => d is not null, Within, $"event {published.EventId} is dead-lettered for {plugin}", Ct);
        await stop.CancelAsync();
        var delivered = await nacks;
        Assert.Equal((EventType, "pii"), (letter!.EventType, letter.Classification));
        Assert.True(delivered >= 5, $"dead-lettered after {delivered} deliveries; the lane allows 5");
        return published.EventId;
    }

    /// <summary>Installs a plugin that publishes and subscribes PaymentReceived (pii, so handles_pii) and registers it as the plugin would; answers its token.</summary>
    private async Task<string> InstallAndRegisterAsync(string id)
    {
        var manifest = new JsonObject
        {
            ["id"] = id,
            ["name"] = $"E2E payments {id}",
            ["version"] = "1.0.0",
            ["description"] = "Publishes a payment and refuses to handle it, so that the Canonical lane dead-letters it",
            ["contracts"] = new JsonArray("ProcessingPlugin"),
            ["traits"] = new JsonArray("handles_pii", "audit_required"),
            ["dependencies"] = new JsonArray(),
            ["allowed_domains"] = new JsonArray(),
            ["endpoints"] = new JsonObject { ["health"] = "GET /health" },
            ["events"] = new JsonObject { ["publishes"] = new JsonArray(EventType), ["subscribes"] = new JsonArray(EventType) },
            ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("pii") },
            ["compliance"] = new JsonObject { ["audit_level"] = "detailed" },
        };
        var installed = await platform.Admin().InstallPluginAsync(
            new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, cancellationToken: Ct);

        using var registry = new HttpClient { BaseAddress = new Uri(platform.RegistryHttpUrl) };
        using var response = await registry.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest,
            ["address"] = "http://127.0.0.1:5399",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        await platform.WaitForPluginAsync(id, p => p.Summary.Status == PluginStatus.Active, Within);
        return body.GetProperty("token").GetString()!;
    }

    private Metadata AdminHeaders() => new() { { "authorization", $"Bearer {platform.AdminToken()}" } };

    /// <summary>A browser of its own per administrator (its own sign-in cookie), on the Events page.</summary>
    private async Task<IPage> SignInAsync(string user, string role)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.ConsoleUrl,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await DevSignIn.SignInAsync(page, user, role);
        await page.GotoAsync("/lanes/events");
        // Blazor Server: clicks before the circuit is interactive are lost (STACK.md).
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }
}
