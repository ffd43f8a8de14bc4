using Bunit;
using Fabrix.AdminConsole.Lanes;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Lanes;

/// <summary>
/// The Egress page (issue 12 section 4): the kill switch for admin only, mode and quotas and the deny list for admin and
/// plugin_manager, recent requests and refusals, and each plugin's allowlist beside the hosts it reached.
/// </summary>
public sealed class EgressLanePageTests : ConsoleComponentTest
{
    public EgressLanePageTests()
    {
        EgressCatalog.Denied.Add(new DeniedDomain { Pattern = "*.pastebin.example", AddedBy = "user:ada", AddedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = "exfil" });
        EgressCatalog.Recent.Add(new EgressDecisionRow(DateTimeOffset.UnixEpoch, "notifications", "forward", "hooks.example:80", "succeeded", string.Empty,
            "hooks.example", "93.184.216.34", "POST", "200", "enforce"));
        EgressCatalog.Recent.Add(new EgressDecisionRow(DateTimeOffset.UnixEpoch, "notifications", "forward", "169.254.169.254:80", "refused", "metadata",
            "169.254.169.254", string.Empty, "GET", "403", "enforce"));
        EgressCatalog.Reach.Add(new EgressReach("notifications", ["hooks.example", "*.slack.example"], ["hooks.example"]));
        LaneCatalog.Limits.Add(new PluginLaneLimits
        {
            PluginId = "notifications", Limits = new LaneLimits { Proxy = new ProxyLaneLimits { Mode = ProxyMode.Report, BytesPerSecond = 5000 } }, SetBy = "user:ada", Reason = "rollout",
        });
        // Operator-only overrides are not the Proxy lane's.
        LaneCatalog.Limits.Add(new PluginLaneLimits { PluginId = "accounting", Limits = new LaneLimits { Operator = new OperatorLaneLimits { Burst = 3 } }, SetBy = "user:ada" });
    }

    [Fact]
    public void EgressLanePage_AuditViewer_SeesEverythingWithoutButtons()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<EgressLanePage>();

        Assert.Equal("false", page.WaitForElement("[data-testid=egress-kill-state]").GetAttribute("data-on"));
        var limit = Assert.Single(page.FindAll("[data-testid=egress-limit-row]"));
        Assert.Equal(("notifications", "report", "default", "5000"), (limit.GetAttribute("data-plugin"), limit.QuerySelector("[data-testid=egress-limit-mode]")!.TextContent,
            limit.QuerySelector("[data-testid=egress-limit-rps]")!.TextContent, limit.QuerySelector("[data-testid=egress-limit-bytes]")!.TextContent));
        Assert.Equal("*.pastebin.example", Assert.Single(page.FindAll("[data-testid=egress-deny-row]")).GetAttribute("data-pattern"));
        Assert.Empty(page.FindAll("[data-testid=egress-kill-toggle]"));
        Assert.Empty(page.FindAll("[data-testid=egress-deny-add]"));
        Assert.Empty(page.FindAll("[data-testid=egress-limit-set]"));
        Assert.Empty(page.FindAll("[data-testid^=egress-deny-remove-]"));
    }

    [Fact]
    public void EgressLanePage_RecentDecisions_ShowRefusalsWithTheirReasons()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<EgressLanePage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=egress-request-row]").Count));
        var refused = Assert.Single(page.FindAll("[data-testid=egress-request-row][data-outcome=refused]"));
        Assert.Equal("metadata", refused.QuerySelector("[data-testid=egress-request-reason]")!.TextContent);
    }

    [Fact]
    public void EgressLanePage_Reach_ShowsAllowlistBesideHostsReached()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<EgressLanePage>();

        var row = page.WaitForElement("[data-testid=egress-reach-row]");
        Assert.Equal(("hooks.example, *.slack.example", "hooks.example"),
            (row.QuerySelector("[data-testid=egress-reach-allowed]")!.TextContent, row.QuerySelector("[data-testid=egress-reach-hosts]")!.TextContent));
    }

    [Fact]
    public void EgressLanePage_PluginManager_NoKillSwitchButtonButManagesTheDenyList()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<EgressLanePage>();
        page.WaitForElement("[data-testid=egress-deny-add]");

        page.Find("input[data-testid=egress-deny-pattern]").Change("*.exfil.example");
        page.Find("input[data-testid=egress-reason]").Change("incident 42");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=egress-deny-add]").HasAttribute("disabled")));
        page.Find("[data-testid=egress-deny-add]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=egress-deny-row]").Count));
        Assert.Equal(["deny *.exfil.example incident 42"], EgressCatalog.Calls);
        Assert.Empty(page.FindAll("[data-testid=egress-kill-toggle]"));
    }

    [Fact]
    public void EgressLanePage_PluginManagerSetsReportMode_AsksTheRegistryWithTheProxyPart()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<EgressLanePage>();
        page.WaitForElement("[data-testid=egress-limit-set]");

        page.Find("input[data-testid=egress-limit-plugin]").Change("mailer");
        page.Find("input[data-testid=egress-limit-report]").Change(true);
        page.Find("input[data-testid=egress-limit-rps-input]").Change("5");
        page.Find("input[data-testid=egress-reason]").Change("new allowlist");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=egress-limit-set]").HasAttribute("disabled")));
        page.Find("[data-testid=egress-limit-set]").Click();

        page.WaitForAssertion(() => Assert.Equal(["proxy mailer mode=Report rps=5 burst= bytes= new allowlist"], EgressCatalog.Calls));
    }

    [Fact]
    public void EgressLanePage_AdminFlipsKillSwitchWithReason_AsksTheRegistryAndShowsItOn()
    {
        SignIn(AdminRoles.Admin);
        var page = RenderPage<EgressLanePage>();
        page.WaitForElement("[data-testid=egress-kill-toggle]");

        page.Find("input[data-testid=egress-kill-reason]").Input("incident 7");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=egress-kill-toggle]").HasAttribute("disabled")));
        page.Find("[data-testid=egress-kill-toggle]").Click();

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=egress-kill-state]").GetAttribute("data-on")));
        Assert.Equal([(PolicySwitchName.EgressKill, true, "incident 7")], LaneCatalog.SwitchChanges);
    }

    [Fact]
    public void EgressDecisionRow_FromAuditRecord_ReadsTheProxyAttributes()
    {
        var record = new AuditRecord
        {
            Actor = "plugin:notifications", Action = "lane.proxy.connect", Target = "hooks.example:443", Outcome = "refused", Reason = "rate_limited",
            DetailsJson = """{"lane":"proxy","attributes":{"host":"hooks.example","port":"443","method":"CONNECT","status":"429","mode":"enforce"}}""",
        };

        var row = EgressDecisionRow.From(record);

        Assert.Equal(("notifications", "connect", "hooks.example", "CONNECT", "429", "enforce", false),
            (row.PluginId, row.Action, row.Host, row.Method, row.Status, row.Mode, row.Allowed));
    }
}
