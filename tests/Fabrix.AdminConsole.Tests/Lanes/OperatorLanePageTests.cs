using Bunit;
using Fabrix.AdminConsole.Lanes;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Lanes;

/// <summary>The Operator lane page's grants and rate limit overrides: managed by admin and plugin_manager, read by the other roles.</summary>
public sealed class OperatorLanePageTests : ConsoleComponentTest
{
    public OperatorLanePageTests()
    {
        LaneCatalog.Grants.Add(new OperatorGrant
        {
            Caller = "accounting", Target = "user-management", GrantedBy = "user:ada", GrantedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Reason = "payroll",
        });
        LaneCatalog.Limits.Add(new PluginLaneLimits
        {
            PluginId = "accounting", Limits = new LaneLimits { Operator = new OperatorLaneLimits { RequestsPerSecond = 20 } }, SetBy = "user:ada", Reason = "noisy",
        });
        // Proxy-only overrides are not the Operator lane's.
        LaneCatalog.Limits.Add(new PluginLaneLimits { PluginId = "mailer", Limits = new LaneLimits { Proxy = new ProxyLaneLimits { Burst = 3 } }, SetBy = "user:ada" });
    }

    [Fact]
    public void OperatorLanePage_AuditViewer_SeesGrantsAndLimitsWithoutButtons()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<OperatorLanePage>();

        var grant = page.WaitForElement("[data-testid=grant-row]");
        Assert.Equal("accounting->user-management", grant.GetAttribute("data-grant"));
        var limit = Assert.Single(page.FindAll("[data-testid=limit-row]"));
        Assert.Equal(("accounting", "20", "default"), (limit.GetAttribute("data-plugin"), limit.QuerySelector("[data-testid=limit-rps]")!.TextContent,
            limit.QuerySelector("[data-testid=limit-burst]")!.TextContent));
        Assert.Empty(page.FindAll("[data-testid^=grant-revoke-]"));
        Assert.Empty(page.FindAll("[data-testid=grant-add]"));
        Assert.Empty(page.FindAll("[data-testid=limit-set]"));
    }

    [Fact]
    public void OperatorLanePage_PluginManagerAddsGrant_AsksTheRegistryAndListsIt()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<OperatorLanePage>();
        page.WaitForElement("[data-testid=grant-add]");

        page.Find("input[data-testid=grant-caller]").Change("reports");
        page.Find("input[data-testid=grant-target]").Change("user-management");
        page.Find("input[data-testid=operator-reason]").Change("quarterly export");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=grant-add]").HasAttribute("disabled")));
        page.Find("[data-testid=grant-add]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=grant-row]").Count));
        Assert.Equal(["grant reports->user-management quarterly export"], LaneCatalog.Calls);
    }

    [Fact]
    public void OperatorLanePage_AdminRevokesGrant_AsksTheRegistryAndRemovesIt()
    {
        SignIn(AdminRoles.Admin);
        var page = RenderPage<OperatorLanePage>();
        page.WaitForElement("[data-testid=grant-revoke-accounting-user-management]");

        page.Find("input[data-testid=operator-reason]").Change("payroll moved");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=grant-revoke-accounting-user-management]").HasAttribute("disabled")));
        page.Find("[data-testid=grant-revoke-accounting-user-management]").Click();

        page.WaitForElement("[data-testid=grants-none]");
        Assert.Equal(["revoke accounting->user-management payroll moved"], LaneCatalog.Calls);
    }

    [Fact]
    public void OperatorLanePage_PluginManagerSetsLimits_AsksTheRegistryWithTheOperatorPart()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<OperatorLanePage>();
        page.WaitForElement("[data-testid=limit-set]");

        page.Find("input[data-testid=limit-plugin]").Change("reports");
        page.Find("input[data-testid=limit-burst-input]").Change("40");
        page.Find("input[data-testid=operator-reason]").Change("batch");
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=limit-set]").HasAttribute("disabled")));
        page.Find("[data-testid=limit-set]").Click();

        page.WaitForAssertion(() => Assert.Equal(["limits reports rps= burst=40 batch"], LaneCatalog.Calls));
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=limit-row]").Count));
    }
}
