using Bunit;
using Fabrix.AdminConsole.Dashboard;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Kind = Fabrix.Contracts.Registry.V1.PluginChange.Types.Kind;

namespace Fabrix.AdminConsole.Tests.Dashboard;

public sealed class DashboardPageTests : ConsoleComponentTest
{
    public DashboardPageTests()
    {
        Catalog.Listed.Add(Plugin("user-management", PluginStatus.Active, HealthState.Healthy));
        Catalog.Listed.Add(Plugin("billing", PluginStatus.Active, HealthState.Unhealthy));
        Catalog.Listed.Add(Plugin("ledger", PluginStatus.Active, HealthState.Degraded));
        Catalog.Listed.Add(Plugin("mailer", PluginStatus.Registered, HealthState.Unknown));
        Catalog.Listed.Add(Plugin("search", PluginStatus.Disabled, HealthState.Unspecified));
        Catalog.Listed.Add(Plugin("reports", PluginStatus.Installed, HealthState.Unknown));
        // Not running: its last health says nothing and it needs no attention.
        Catalog.Listed.Add(Plugin("legacy", PluginStatus.Unregistered, HealthState.Unhealthy));
    }

    [Fact]
    public void Dashboard_PluginsListed_CountsThemByStatusAndHealth()
    {
        SignIn(AdminRoles.PluginManager);

        var page = RenderPage<DashboardPage>();

        page.WaitForElement("[data-testid=count-status-active]");
        Assert.Equal(
            [("installed", "1"), ("registered", "1"), ("active", "3"), ("disabled", "1"), ("unregistered", "1")],
            Counts(page, "count-status-"));
        Assert.Equal([("healthy", "1"), ("degraded", "1"), ("unhealthy", "2"), ("unknown", "3")], Counts(page, "count-health-"));
    }

    [Fact]
    public void Dashboard_PluginsListed_ShowsThoseNeedingAttentionWorstFirstWithLinks()
    {
        SignIn(AdminRoles.PluginManager);

        var page = RenderPage<DashboardPage>();

        var rows = page.WaitForElements("[data-testid^=attention-reason-]");
        Assert.Equal(
            [("billing", "unhealthy"), ("ledger", "degraded"), ("mailer", "registered but not enabled"), ("search", "disabled")],
            rows.Select(r => (r.GetAttribute("data-testid")!["attention-reason-".Length..], r.TextContent.Trim())));
        Assert.Equal("plugins/billing", page.Find("[data-testid=attention-billing] a").GetAttribute("href"));
    }

    [Fact]
    public void Dashboard_StatusChangesOnTheStream_UpdatesTheCounts()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<DashboardPage>();
        page.WaitForAssertion(() => Assert.Equal("3", page.Find("[data-testid=count-status-active]").TextContent));

        Catalog.Push(Kind.Upserted, Plugin("user-management", PluginStatus.Disabled, HealthState.Healthy));

        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=count-status-active]").TextContent));
        Assert.Equal("2", page.Find("[data-testid=count-status-disabled]").TextContent);
    }

    [Fact]
    public void Dashboard_AuditReader_AsksTheRegistryForTheLatestChangesOnly()
    {
        SignIn(AdminRoles.AuditViewer);
        AuditCatalog.Pages[string.Empty] = new QueryAuditResponse
        {
            Records = { Record(42, "plugin.disable", "billing"), Record(41, "plugin.enable", "billing") },
            TotalCount = 2,
        };

        var page = RenderPage<DashboardPage>();

        page.WaitForAssertion(() => Assert.Equal(["42", "41"], page.FindAll("[data-testid=recent-change]").Select(r => r.GetAttribute("data-sequence"))));
        Assert.Equal("audit", page.Find("[data-testid=recent-changes-source]").GetAttribute("data-source"));
        var (filter, pageSize, token) = Assert.Single(AuditCatalog.Queries);
        // The registry leaves out refusals, reads and heartbeats, so a flood of refused calls cannot push changes off.
        Assert.Equal(new AuditFilter { ChangesOnly = true }, filter);
        Assert.Equal(RecentAuditChanges.Shown, pageSize);
        Assert.Equal(string.Empty, token);
    }

    [Fact]
    public void Dashboard_MorePluginsThanOneListPage_CountsEveryPage()
    {
        SignIn(AdminRoles.PluginManager);
        for (var i = 0; i < 130; i++)
        {
            Catalog.Listed.Add(Plugin($"bulk-{i:D3}", PluginStatus.Installed, HealthState.Unknown));
        }

        var page = RenderPage<DashboardPage>();

        page.WaitForAssertion(() => Assert.Equal("(137 in all)", page.Find("[data-testid=count-total]").TextContent.Trim()));
        Assert.Equal("131", page.Find("[data-testid=count-status-installed]").TextContent);
        Assert.All(Catalog.ListRequests, r => Assert.Equal(PluginFeed.ListPageSize, r.PageSize));
        Assert.Equal(3, Catalog.ListRequests.Count);
    }

    [Fact]
    public void Dashboard_ManyNeedAttention_ShowsTheWorstAndSaysHowManyMore()
    {
        SignIn(AdminRoles.PluginManager);
        for (var i = 0; i < 15; i++)
        {
            Catalog.Listed.Add(Plugin($"off-{i:D2}", PluginStatus.Disabled, HealthState.Unknown));
        }

        var page = RenderPage<DashboardPage>();

        page.WaitForElement("[data-testid=attention-more]");
        Assert.Equal(DashboardPage.AttentionShown, page.FindAll("[data-testid^=attention-reason-]").Count);
        Assert.Contains("and 9 more", page.Find("[data-testid=attention-more]").TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=attention-billing]"));
    }

    [Fact]
    public void Dashboard_NotAnAuditReader_ShowsLifecycleChangesFromTheStreamInstead()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<DashboardPage>();
        page.WaitForElement("[data-testid=recent-changes-none]");

        Catalog.Push(Kind.Upserted, Plugin("user-management", PluginStatus.Disabled, HealthState.Healthy));

        var change = page.WaitForElement("[data-testid=recent-change]");
        Assert.Contains("user-management", change.TextContent, StringComparison.Ordinal);
        Assert.Contains("active → disabled", change.TextContent, StringComparison.Ordinal);
        Assert.Equal("live", page.Find("[data-testid=recent-changes-source]").GetAttribute("data-source"));
        Assert.Empty(AuditCatalog.Queries);
        Assert.Empty(page.FindAll("[data-testid=recent-changes-audit-link]"));
    }

    [Fact]
    public void Dashboard_AuditUnreadable_FallsBackToTheStreamAndSaysWhy()
    {
        SignIn(AdminRoles.Admin);
        AuditCatalog.Failure = new RegistryException(StatusCode.Unavailable, "The registry is unavailable (connection refused).", []);

        var page = RenderPage<DashboardPage>();

        Assert.Contains("connection refused", page.WaitForElement("[data-testid=recent-changes-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("live", page.Find("[data-testid=recent-changes-source]").GetAttribute("data-source"));
    }

    private static List<(string, string)> Counts(IRenderedComponent<DashboardPage> page, string prefix) =>
        [.. page.FindAll($"[data-testid^={prefix}]").Select(e => (e.GetAttribute("data-testid")![prefix.Length..], e.TextContent.Trim()))];

    private static PluginSummary Plugin(string id, PluginStatus status, HealthState health)
    {
        var plugin = Support.Plugins.Summary(id, status);
        plugin.Health = health;
        return plugin;
    }

    private static AuditRecord Record(long sequence, string action, string target) => new()
    {
        Sequence = sequence,
        At = Timestamp.FromDateTimeOffset(PluginDetails.Now.AddMinutes(-sequence)),
        Actor = "user:alice",
        Action = action,
        Target = target,
        Outcome = "succeeded",
    };
}
