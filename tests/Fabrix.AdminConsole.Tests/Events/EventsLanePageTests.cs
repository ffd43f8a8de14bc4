using Bunit;
using Fabrix.AdminConsole.Events;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.AdminConsole.Tests.Events;

/// <summary>
/// The Events page (issue 11 section 5): types with who may and who did, subscriptions with lag, the DLQ with inspect
/// (payload only when the registry gives it: admin) and replay (admin and plugin_manager), and a live tail.
/// </summary>
public sealed class EventsLanePageTests : ConsoleComponentTest
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-06T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public EventsLanePageTests()
    {
        var type = new EventTypeInfo { Name = "UserCreated", FullName = "fabrix.canonical.v1.UserCreated", Classification = "pii" };
        type.MayPublish.Add("hr");
        type.DidPublish.Add("hr");
        type.MaySubscribe.Add(["accounting", "user-management"]);
        type.DidReceive.Add("accounting");
        EventsCatalog.Types.Add(type);
        EventsCatalog.Subscriptions.Add(new SubscriptionState { PluginId = "accounting", EventType = "UserCreated", Consumer = "accounting_UserCreated", Pending = 7 });
        EventsCatalog.DeadLetters.Add(new DeadLetter
        {
            Sequence = 12, PluginId = "accounting", EventId = "0193-event", EventType = "UserCreated", Classification = "pii", Source = "fabrix://plugins/hr",
            Reason = "nacked at delivery 5 of 5: cannot parse", Deliveries = 5, DeadLetteredAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
        });
        EventsCatalog.AddRecent(Recent(1, "e-1"));
    }

    internal override TimeProvider TimeProvider => _time;

    [Fact]
    public void EventsLanePage_AuditViewer_SeesTypesSubscriptionsAndTheDlqWithoutReplayOrPayload()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<EventsLanePage>();

        var type = page.WaitForElement("[data-testid=events-type-row][data-type=UserCreated]");
        Assert.Equal(("pii", "hr", "accounting, user-management"), (Text(type, "events-type-classification"), Text(type, "events-type-did-publish"),
            Text(type, "events-type-may-subscribe")));
        Assert.Equal("7", Text(page.Find("[data-testid=events-subscription-row]"), "events-subscription-pending"));
        Assert.Equal("12", Assert.Single(page.FindAll("[data-testid=events-dlq-row]")).GetAttribute("data-sequence"));
        Assert.Empty(page.FindAll("[data-testid^=events-dlq-replay-]"));

        page.Find("[data-testid=events-dlq-inspect-12]").Click();

        page.WaitForElement("[data-testid=events-dlq-payload-withheld]");
        Assert.Empty(page.FindAll("[data-testid=events-dlq-payload]"));
    }

    [Fact]
    public void EventsLanePage_AdminInspects_SeesThePayloadTheRegistryReturned()
    {
        SignIn(AdminRoles.Admin);
        EventsCatalog.PayloadJson = """{"id":"0193-event","data":{"userId":"u-1"}}""";
        var page = RenderPage<EventsLanePage>();

        page.WaitForElement("[data-testid=events-dlq-inspect-12]").Click();

        Assert.Contains("u-1", page.WaitForElement("[data-testid=events-dlq-payload]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void EventsLanePage_PluginManagerReplaysWithAReason_AsksTheRegistryAndTheRowGoes()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<EventsLanePage>();
        page.WaitForElement("[data-testid=events-dlq-replay-12]");

        page.Find("input[data-testid=events-reason]").Input("handler fixed");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=events-dlq-replay-12]").HasAttribute("disabled")));
        page.Find("[data-testid=events-dlq-replay-12]").Click();

        page.WaitForElement("[data-testid=events-dlq-none]");
        Assert.Equal(["replay 12 handler fixed"], EventsCatalog.Calls);
    }

    [Fact]
    public void EventsLanePage_RefreshIntervalPasses_TailShowsTheNewPublishFirst()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<EventsLanePage>();
        page.WaitForElement("[data-testid=events-tail-row][data-event=e-1]");

        EventsCatalog.AddRecent(Recent(2, "e-2"));
        _time.Advance(EventsLanePage.RefreshInterval);

        page.WaitForAssertion(() => Assert.Equal(["e-2", "e-1"], page.FindAll("[data-testid=events-tail-row]").Select(r => r.GetAttribute("data-event"))));
    }

    [Fact]
    public void EventsLanePage_BatchPublishSharingOneSequence_TailShowsEveryEventNewestFirst()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<EventsLanePage>();
        page.WaitForElement("[data-testid=events-tail-row][data-event=e-1]");

        foreach (var (id, item) in new[] { ("b-0", 0), ("b-1", 1), ("b-2", 2) })
        {
            var evt = Recent(2, id);
            evt.Item = item;
            EventsCatalog.AddRecent(evt);
        }

        _time.Advance(EventsLanePage.RefreshInterval);

        page.WaitForAssertion(() => Assert.Equal(["b-2", "b-1", "b-0", "e-1"], page.FindAll("[data-testid=events-tail-row]").Select(r => r.GetAttribute("data-event"))));
    }

    private RecentEvent Recent(long sequence, string id) => new()
    {
        Sequence = sequence, EventId = id, EventType = "UserCreated", Classification = "pii", Publisher = "hr", At = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
    };

    private static string Text(AngleSharp.Dom.IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent;
}
