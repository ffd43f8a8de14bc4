using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Kind = Fabrix.Contracts.Registry.V1.PluginChange.Types.Kind;

namespace Fabrix.AdminConsole.Tests.Plugins;

public sealed class PluginsPageTests : ConsoleComponentTest
{
    [Fact]
    public void PluginsPage_SnapshotStreamed_RendersOneRowPerPlugin()
    {
        SignIn(AdminRoles.AuditViewer);
        var page = RenderPage<PluginsPage>();

        Catalog.Push(Kind.Snapshot, Support.Plugins.Summary("user-management", PluginStatus.Active));
        Catalog.Push(Kind.Snapshot, Support.Plugins.Summary("billing", PluginStatus.Registered));

        page.WaitForAssertion(() =>
        {
            Assert.Equal(["plugin-row-billing", "plugin-row-user-management"], RowIds(page));
            Assert.Equal("active", page.Find("[data-testid=status-user-management]").TextContent.Trim());
            Assert.Equal("registered", page.Find("[data-testid=status-billing]").TextContent.Trim());
        });
    }

    [Fact]
    public void PluginsPage_UpsertArrives_UpdatesTheRowInPlace()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal("active", page.Find("[data-testid=status-user-management]").TextContent.Trim()));

        Catalog.Push(Kind.Upserted, Support.Plugins.Summary("user-management", PluginStatus.Disabled));

        page.WaitForAssertion(() => Assert.Equal("disabled", page.Find("[data-testid=status-user-management]").TextContent.Trim()));
    }

    [Fact]
    public void PluginsPage_RemovalArrives_DropsTheRow()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Unregistered));
        Catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active));
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal(2, RowIds(page).Count));

        Catalog.Push(Kind.Removed, new PluginSummary { Id = "user-management" });

        page.WaitForAssertion(() => Assert.Equal(["plugin-row-billing"], RowIds(page)));
    }

    [Fact]
    public void PluginsPage_SearchTyped_ShowsOnlyMatchingRows()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active, name: "User Management"));
        Catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active, name: "Billing", contracts: ["IntegrationPlugin"]));
        Catalog.Listed.Add(Support.Plugins.Summary("mailer", PluginStatus.Active, name: "Mailer", contracts: ["CommunicationPlugin"]));
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, RowIds(page).Count));

        page.Find("input[data-testid=plugin-search]").Input("MANAGE");
        page.WaitForAssertion(() => Assert.Equal(["plugin-row-user-management"], RowIds(page)));

        page.Find("input[data-testid=plugin-search]").Input("communication");
        page.WaitForAssertion(() => Assert.Equal(["plugin-row-mailer"], RowIds(page)));
    }

    [Fact]
    public void PluginsPage_StatusFilterChosen_ShowsOnlyPluginsInThatStatus()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        Catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Disabled));
        Catalog.Listed.Add(Support.Plugins.Summary("mailer", PluginStatus.Installed));
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, RowIds(page).Count));

        page.Find("input[data-testid=status-filter]").MouseDown();
        WaitInPopovers("[data-testid=status-filter-disabled]").Click();

        page.WaitForAssertion(() => Assert.Equal(["plugin-row-billing"], RowIds(page)));
    }

    [Fact]
    public void PluginsPage_AuditViewer_ShowsNoActionButtons()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        Catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Disabled));
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal(2, RowIds(page).Count));

        Assert.Empty(page.FindAll("[data-testid^=disable-], [data-testid^=enable-], [data-testid^=unregister-]"));
        Assert.Empty(page.FindAll("[data-testid=install-link]"));
    }

    [Theory]
    [InlineData(AdminRoles.PluginManager)]
    [InlineData(AdminRoles.Admin)]
    public void PluginsPage_LifecycleManager_ShowsTheTransitionsTheRegistryAllows(string role)
    {
        SignIn(role);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        Catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Disabled));
        Catalog.Listed.Add(Support.Plugins.Summary("mailer", PluginStatus.Installed));
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, RowIds(page).Count));

        var buttons = page.FindAll("[data-testid^=disable-], [data-testid^=enable-], [data-testid^=unregister-]")
            .Select(b => b.GetAttribute("data-testid")).Order(StringComparer.Ordinal);
        Assert.Equal(["disable-user-management", "enable-billing", "unregister-billing", "unregister-user-management"], buttons);
        Assert.Single(page.FindAll("[data-testid=install-link]"));
    }

    [Fact]
    public void PluginsPage_DisableConfirmed_CallsTheRegistryWithTheReason()
    {
        SignIn(AdminRoles.PluginManager);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        var page = RenderPage<PluginsPage>();
        page.WaitForElement("[data-testid=disable-user-management]").Click();

        WaitInDialogs("input[data-testid=confirm-reason]").Change("quarantine for review");
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(["disable user-management reason=quarantine for review"], Catalog.Calls));
        page.WaitForAssertion(() => Assert.Contains("user-management is now disabled", SnackbarText(), StringComparison.Ordinal));
    }

    [Fact]
    public void PluginsPage_DisableCancelled_DoesNotCallTheRegistry()
    {
        SignIn(AdminRoles.PluginManager);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        var page = RenderPage<PluginsPage>();
        page.WaitForElement("[data-testid=disable-user-management]").Click();

        WaitInDialogs("[data-testid=cancel]").Click();

        Dialogs.WaitForAssertion(() => Assert.Empty(Dialogs.FindAll("[data-testid=confirm]")));
        Assert.Empty(Catalog.Calls);
    }

    [Fact]
    public void PluginsPage_RegistryRefusesTransition_ShowsTheRegistryMessage()
    {
        SignIn(AdminRoles.PluginManager);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        Catalog.Refusal = new RegistryException(
            StatusCode.FailedPrecondition, "Plugin 'user-management' is unregistered; allowed transitions: uninstall.", []);
        var page = RenderPage<PluginsPage>();
        page.WaitForElement("[data-testid=disable-user-management]").Click();

        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains(
            "Could not disable user-management: Plugin 'user-management' is unregistered; allowed transitions: uninstall.",
            SnackbarText(),
            StringComparison.Ordinal));
    }

    [Fact]
    public void PluginsPage_RowClicked_NavigatesToTheDetailPage()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        var page = RenderPage<PluginsPage>();

        page.WaitForElement("[data-testid=plugin-row-user-management]").Click();

        Assert.EndsWith("/plugins/user-management", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    private static List<string> RowIds(IRenderedComponent<PluginsPage> page) =>
        [.. page.FindAll("tr[data-testid^=plugin-row-]").Select(r => r.GetAttribute("data-testid")!)];
}
