using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Tests.Versions;

public sealed class PluginVersionsPanelTests : ConsoleComponentTest
{
    private const string Id = "user-management";

    public PluginVersionsPanelTests() => Catalog.Details[Id] = PluginDetails.Detail(Id, PluginStatus.Active);

    [Fact]
    public void PluginDetail_Versions_ListsEachWithDigestPrefixInstallerAndThePinnedOne()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        var rows = page.WaitForElements("[data-testid=versions-table] tbody tr");
        Assert.Equal(["version-2.0.0", "version-1.1.0", "version-1.0.0"], rows.Select(r => r.GetAttribute("data-testid")));
        var pinned = page.Find("[data-testid=version-1\\.1\\.0]");
        Assert.Single(pinned.QuerySelectorAll("[data-testid=version-pinned]"));
        Assert.Contains("110a1b2c3d4e…", pinned.TextContent, StringComparison.Ordinal);
        Assert.Contains("user:alice", pinned.TextContent, StringComparison.Ordinal);
        Assert.Equal("1.1.0", page.Find("[data-testid=pinned-version]").TextContent.Trim());
        Assert.Single(page.FindAll("[data-testid=version-pinned]"));
    }

    [Fact]
    public void PluginDetail_AuditViewer_SeesVersionsButNoRollbackOrUpgrade()
    {
        SignIn(AdminRoles.AuditViewer);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForElement("[data-testid=version-1\\.0\\.0]");
        Assert.Empty(page.FindAll("[data-testid^=rollback-]"));
        Assert.Empty(page.FindAll("[data-testid=upgrade-open]"));
    }

    [Fact]
    public void PluginDetail_PluginManager_OffersRollbackForEveryVersionButThePinnedOne()
    {
        SignIn(AdminRoles.PluginManager);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForElement("[data-testid=version-1\\.0\\.0]");
        Assert.Equal(["rollback-2.0.0", "rollback-1.0.0"], page.FindAll("[data-testid^=rollback-]").Select(b => b.GetAttribute("data-testid")));
        Assert.Equal("Roll back", page.Find("[data-testid=rollback-1\\.0\\.0]").TextContent.Trim());
        Assert.Single(page.FindAll("[data-testid=upgrade-open]"));
    }

    [Fact]
    public void PluginDetail_RollbackConfirmed_PinsTheVersionWithTheReason()
    {
        SignIn(AdminRoles.PluginManager);
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForElement("[data-testid=rollback-1\\.0\\.0]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Change("1.1.0 leaks memory");
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(["rollback user-management 1.0.0 reason=1.1.0 leaks memory"], Catalog.Calls));
        page.WaitForAssertion(() => Assert.Single(page.Find("[data-testid=version-1\\.0\\.0]").QuerySelectorAll("[data-testid=version-pinned]")));
        Assert.Equal("1.0.0", page.Find("[data-testid=pinned-version]").TextContent.Trim());
        Assert.Contains("pinned to version 1.0.0", SnackbarText(), StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_RollbackCancelled_DoesNotCallTheRegistry()
    {
        SignIn(AdminRoles.Admin);
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForElement("[data-testid=rollback-1\\.0\\.0]").Click();
        WaitInDialogs("[data-testid=cancel]").Click();

        Dialogs.WaitForAssertion(() => Assert.Empty(Dialogs.FindAll("[data-testid=confirm]")));
        Assert.Empty(Catalog.Calls);
    }
}
