using Bunit;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.AdminConsole.Webhooks;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.AdminConsole.Tests.Webhooks;

/// <summary>
/// The Webhooks page (issue 11 sections 4 and 5): endpoints with their state, add with the secret shown once, rotate,
/// enable/disable, remove, the delivery log with retry; changes only for admin and plugin_manager, as the registry
/// enforces, and the registry's refusals (field errors on the fields) shown as it words them.
/// </summary>
public sealed class WebhooksPageTests : ConsoleComponentTest
{
    private const string Id = "wh_0193a1b2c3d4e5f60718293a4b5c6d7e";
    private const string EventId = "0193a1b2-c3d4-7e5f-8071-8293a4b5c6d7";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-06T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public WebhooksPageTests()
    {
        var endpoint = new WebhookEndpoint
        {
            Id = Id, Url = "https://hooks.example.com/fabrix", Description = "CRM sync", Enabled = true, CreatedBy = "user:maria",
            CreatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2026-12-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            FailingSince = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2026-12-06T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
        };
        endpoint.EventTypes.Add("fabrix.canonical.v1.UserCreated");
        WebhooksCatalog.Endpoints.Add(endpoint);
        WebhooksCatalog.Deliveries[Id] =
        [
            Delivery(2, 503, false, "Service Unavailable"),
            Delivery(1, 0, false, "connection refused"),
        ];
    }

    internal override TimeProvider TimeProvider => _time;

    [Fact]
    public void WebhooksPage_AuditViewer_ReadsEndpointsAndDeliveriesWithoutAnyChange()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<WebhooksPage>();

        var row = page.WaitForElement($"[data-testid=webhook-row][data-endpoint={Id}]");
        Assert.Equal(("https://hooks.example.com/fabrix", "UserCreated", "2026-12-06 07:00:00"),
            (Text(row, "webhook-url"), Text(row, "webhook-types"), Text(row, "webhook-failing-since")));
        Assert.Empty(page.FindAll("[data-testid^=webhook-rotate-], [data-testid^=webhook-disable-], [data-testid^=webhook-remove-], [data-testid=webhook-add-form]"));
        page.Find("[data-testid=webhooks-read-only]");

        page.Find($"[data-testid=webhook-deliveries-{Id}]").Click();

        page.WaitForAssertion(() => Assert.Equal(["2", "1"], page.FindAll("[data-testid=webhook-delivery-row]").Select(r => r.GetAttribute("data-attempt"))));
        Assert.Equal("503 (WEBHOOK_DELIVERY_FAILED)", Text(page.Find("[data-testid=webhook-delivery-row]"), "webhook-delivery-status"));
        Assert.Empty(page.FindAll("[data-testid^=webhook-retry-], [data-testid=webhook-replay]"));
    }

    [Fact]
    public void WebhooksPage_PluginManagerAdds_SecretShownOnceAndNeverAfterDismissOrReopening()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement("[data-testid=webhook-add-form]");

        page.Find("input[data-testid=webhook-add-url]").Input("https://billing.example.com/hooks");
        page.Find("input[data-testid=webhook-add-type-PaymentReceived]").Change(true);
        page.Find("input[data-testid=webhook-add-description]").Input("Billing");
        page.Find("input[data-testid=webhook-add-reason]").Input("billing wants payments");
        page.Find("[data-testid=webhook-add-submit]").Click();

        var secret = page.WaitForElement("[data-testid=webhook-secret]").TextContent.Trim();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Contains("You will not see this secret again", page.Find("[data-testid=webhook-secret-shown-once]").TextContent, StringComparison.Ordinal);
        page.Find("[data-testid=webhook-secret-copy]");
        Assert.Equal(["add https://billing.example.com/hooks [PaymentReceived] Billing reason=billing wants payments"], WebhooksCatalog.Calls);
        var added = page.FindAll("[data-testid=webhook-row]").Single(r => Text(r, "webhook-url") == "https://billing.example.com/hooks");
        Assert.DoesNotContain(secret, added.OuterHtml, StringComparison.Ordinal);

        page.Find("[data-testid=webhook-secret-done]").Click();

        page.WaitForAssertion(() => Assert.DoesNotContain(secret, page.Markup, StringComparison.Ordinal));
        var reopened = RenderPage<WebhooksPage>();
        reopened.WaitForElement("[data-testid=webhook-add-form]");
        Assert.Equal(2, reopened.FindAll("[data-testid=webhook-row]").Count);
        Assert.DoesNotContain(secret, reopened.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void WebhooksPage_RegistryRefusesTheInput_ItsFieldErrorsShownOnTheFields()
    {
        SignIn(AdminRoles.Admin);
        WebhooksCatalog.Refusal = new RegistryException(StatusCode.InvalidArgument, "The request is invalid.",
        [
            new("url", "The address 10.0.0.5 is not public (EGRESS_PRIVATE_ADDRESS): webhooks reach public addresses only."),
            new("reason", "A reason is required."),
        ]);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement("[data-testid=webhook-add-form]");

        page.Find("input[data-testid=webhook-add-url]").Input("https://10.0.0.5/hook");
        page.Find("[data-testid=webhook-add-submit]").Click();

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("input[data-testid=webhook-add-url]").GetAttribute("aria-invalid")));
        Assert.Equal("true", page.Find("input[data-testid=webhook-add-reason]").GetAttribute("aria-invalid"));
        Assert.NotEqual("true", page.Find("input[data-testid=webhook-add-description]").GetAttribute("aria-invalid"));
        Assert.Contains("webhooks reach public addresses only", page.Markup, StringComparison.Ordinal);
        Assert.Contains("A reason is required.", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=webhook-secret]"));
    }

    [Fact]
    public void WebhooksPage_PluginManagerRotates_NewSecretShownOnceWithTheOverlap()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-rotate-{Id}]").Click();

        WaitInDialogs("input[data-testid=confirm-reason]").Input("secret leaked in a ticket");
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.StartsWith("whsec_", page.WaitForElement("[data-testid=webhook-secret]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("2026-12-07 08:00:00 UTC", page.Find("[data-testid=webhook-secret-overlap]").TextContent, StringComparison.Ordinal);
        Assert.Equal([$"rotate {Id} reason=secret leaked in a ticket"], WebhooksCatalog.Calls);
    }

    [Fact]
    public void WebhooksPage_PluginManagerDisablesThenEnables_RowFollowsWithTheReason()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-disable-{Id}]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("receiver down for maintenance");
        WaitInDialogs("[data-testid=confirm]").Click();

        var row = page.WaitForElement($"[data-testid=webhook-row][data-endpoint={Id}][data-enabled=false]");
        Assert.Contains("receiver down for maintenance", Text(row, "webhook-disabled-reason"), StringComparison.Ordinal);

        page.Find($"[data-testid=webhook-enable-{Id}]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("back");
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForElement($"[data-testid=webhook-row][data-endpoint={Id}][data-enabled=true]");
        Assert.Equal([$"disable {Id} reason=receiver down for maintenance", $"enable {Id} reason=back"], WebhooksCatalog.Calls);
    }

    [Fact]
    public void WebhooksPage_RemoveCancelled_NothingAskedThenConfirmed_RowGone()
    {
        SignIn(AdminRoles.Admin);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-remove-{Id}]").Click();
        WaitInDialogs("[data-testid=cancel]").Click();
        Dialogs.WaitForAssertion(() => Assert.Empty(Dialogs.FindAll("[data-testid=confirm]")));
        Assert.Empty(WebhooksCatalog.Calls);

        page.Find($"[data-testid=webhook-remove-{Id}]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("CRM retired");
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForElement("[data-testid=webhooks-none]");
        Assert.Equal([$"remove {Id} reason=CRM retired"], WebhooksCatalog.Calls);
    }

    [Fact]
    public void WebhooksPage_PluginManagerRetriesADelivery_RegistryAskedAndTheResultAndNewAttemptShown()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-deliveries-{Id}]").Click();
        Assert.Single(page.WaitForElements($"[data-testid=webhook-retry-{EventId}]"));

        page.Find($"[data-testid=webhook-retry-{EventId}]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("receiver fixed");
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.Contains("the endpoint answered 200", page.WaitForElement("[data-testid=webhook-retry-result]").TextContent, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Equal(["3", "2", "1"], page.FindAll("[data-testid=webhook-delivery-row]").Select(r => r.GetAttribute("data-attempt"))));
        Assert.Equal([$"retry {Id} {EventId} reason=receiver fixed"], WebhooksCatalog.Calls);
    }

    [Fact]
    public void WebhooksPage_PluginManagerReplaysTheLastHour_RegistryAskedFromAnHourAgoAndTheCountShown()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-deliveries-{Id}]").Click();

        page.WaitForElement("[data-testid=webhook-replay]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("receiver lost its store");
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.Contains("Replaying 12 event(s) of the last hour (up to stream sequence 4711)",
            page.WaitForElement("[data-testid=webhook-replay-result]").TextContent, StringComparison.Ordinal);
        Assert.Equal([$"replay {Id} since=2026-12-06T08:30:00.0000000+00:00 reason=receiver lost its store"], WebhooksCatalog.Calls);
    }

    [Fact]
    public void WebhooksPage_ReplayedAttempt_MarkedInTheDeliveryLog()
    {
        var replayed = Delivery(3, 200, true, "ok");
        replayed.Replay = true;
        WebhooksCatalog.Deliveries[Id].Insert(0, replayed);
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-deliveries-{Id}]").Click();

        page.WaitForAssertion(() => Assert.Equal(["3 (replay)", "2", "1"],
            page.FindAll("[data-testid=webhook-delivery-row]").Select(r => Text(r, "webhook-delivery-attempt"))));
    }

    [Fact]
    public void WebhooksPage_ReplayMatchesNothing_SaysSo()
    {
        SignIn(AdminRoles.Admin);
        WebhooksCatalog.ReplayAnswer = new ReplayWebhookEndpointResponse();
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-deliveries-{Id}]").Click();

        page.WaitForElement("[data-testid=webhook-replay]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("check");
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.Contains("Nothing to replay", page.WaitForElement("[data-testid=webhook-replay-result]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void WebhooksPage_RegistryRefusesAChange_ShowsTheRegistrysOwnText()
    {
        // The console offers the button (the token says plugin_manager) but the registry has the last word.
        SignIn(AdminRoles.PluginManager);
        WebhooksCatalog.Refusal = new RegistryException(StatusCode.PermissionDenied, "The role plugin_manager may not change webhooks here.", []);
        var page = RenderPage<WebhooksPage>();
        page.WaitForElement($"[data-testid=webhook-disable-{Id}]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Input("try");
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.Equal("The role plugin_manager may not change webhooks here.", page.WaitForElement("[data-testid=webhooks-error]").TextContent.Trim());
        page.Find($"[data-testid=webhook-row][data-endpoint={Id}][data-enabled=true]");
    }

    [Theory]
    [InlineData(AdminRoles.AuditViewer)]
    [InlineData(AdminRoles.PluginManager)]
    [InlineData(AdminRoles.ConfigManager)]
    public void Navigation_WebhooksEntry_IsShownToEveryAdministratorRole(string role)
    {
        SignIn(role);

        // The layout renders its own MudBlazor providers.
        var layout = Render<Fabrix.AdminConsole.Components.Layout.MainLayout>(p => p.Add(x => x.Body, (Microsoft.AspNetCore.Components.RenderFragment)(_ => { })));

        Assert.EndsWith("lanes/webhooks", layout.WaitForElement("[data-testid=nav-webhooks]").GetAttribute("href"), StringComparison.Ordinal);
    }

    private static WebhookDelivery Delivery(int attempt, int status, bool succeeded, string response) => new()
    {
        EventId = EventId, Attempt = attempt, Status = status, Succeeded = succeeded, Response = response, DurationMs = 12.5,
        ReasonCode = succeeded ? string.Empty : "WEBHOOK_DELIVERY_FAILED",
        At = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2026-12-06T08:0" + attempt + ":00Z", System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static string Text(AngleSharp.Dom.IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();
}
