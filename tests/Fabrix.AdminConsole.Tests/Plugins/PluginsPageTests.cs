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
    public void PluginsPage_RegistryAllowsOneAction_ShowsOnlyThatButtonWhateverTheStatus()
    {
        SignIn(AdminRoles.PluginManager);
        var active = Support.Plugins.Summary("user-management", PluginStatus.Active);
        active.AllowedActions.Clear();
        active.AllowedActions.Add(PluginAction.Unregister);
        Catalog.Listed.Add(active);
        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Single(RowIds(page)));

        var buttons = page.FindAll("[data-testid^=disable-], [data-testid^=enable-], [data-testid^=unregister-]")
            .Select(b => b.GetAttribute("data-testid"));
        Assert.Equal(["unregister-user-management"], buttons);
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

        page.WaitForElement("[data-testid=plugin-row-user-management]");

        // Clicked again should a render replace the row between finding and clicking it.
        page.WaitForAssertion(() =>
        {
            page.Find("[data-testid=plugin-row-user-management]").Click();
            Assert.EndsWith("/plugins/user-management", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void PluginsPage_MorePluginsThanAPage_ShowsOnePageAndPagesThrough()
    {
        SignIn(AdminRoles.AuditViewer);
        for (var i = 0; i < 120; i++)
        {
            Catalog.Listed.Add(Support.Plugins.Summary($"plugin-{i:D3}", PluginStatus.Active));
        }

        var page = RenderPage<PluginsPage>();
        page.WaitForAssertion(() => Assert.Equal(50, RowIds(page).Count));

        Assert.Equal("plugin-row-plugin-000", RowIds(page)[0]);
        Assert.Contains("1–50 of 120", page.Find("[data-testid=plugins-count]").TextContent, StringComparison.Ordinal);
        Assert.True(page.Find("[data-testid=plugins-previous]").HasAttribute("disabled"));

        page.Find("[data-testid=plugins-next]").Click();
        page.WaitForAssertion(() => Assert.Equal("Page 2 of 3", page.Find("[data-testid=plugins-page]").TextContent.Trim()));
        page.Find("[data-testid=plugins-next]").Click();

        page.WaitForAssertion(() => Assert.Equal(20, RowIds(page).Count));
        Assert.Equal("plugin-row-plugin-100", RowIds(page)[0]);
        Assert.Contains("101–120 of 120", page.Find("[data-testid=plugins-count]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Page 3 of 3", page.Find("[data-testid=plugins-page]").TextContent.Trim());
        Assert.True(page.Find("[data-testid=plugins-next]").HasAttribute("disabled"));
        // The registry was asked page by page, never for everything in one message.
        Assert.Equal(["", "50", "100"], Catalog.ListRequests.Select(r => r.PageToken));
    }

    [Fact]
    public void PluginsPage_ChangeArrivesForAPluginOnALaterPage_UpdatesItsRowLive()
    {
        SignIn(AdminRoles.AuditViewer);
        for (var i = 0; i < 60; i++)
        {
            Catalog.Listed.Add(Support.Plugins.Summary($"plugin-{i:D3}", PluginStatus.Active));
        }

        var page = RenderPage<PluginsPage>();
        page.WaitForElement("[data-testid=plugins-next]").Click();
        page.WaitForAssertion(() => Assert.Equal("active", page.Find("[data-testid=status-plugin-055]").TextContent.Trim()));

        Catalog.Push(Kind.Upserted, Support.Plugins.Summary("plugin-055", PluginStatus.Disabled));

        page.WaitForAssertion(() => Assert.Equal("disabled", page.Find("[data-testid=status-plugin-055]").TextContent.Trim()));
        Assert.Equal("Page 2 of 2", page.Find("[data-testid=plugins-page]").TextContent.Trim());
    }

    [Fact]
    public void PluginsPage_SearchOnALaterPage_StartsAgainFromTheFirstPage()
    {
        SignIn(AdminRoles.AuditViewer);
        for (var i = 0; i < 60; i++)
        {
            Catalog.Listed.Add(Support.Plugins.Summary($"plugin-{i:D3}", PluginStatus.Active));
        }

        var page = RenderPage<PluginsPage>();
        page.WaitForElement("[data-testid=plugins-next]").Click();
        page.WaitForAssertion(() => Assert.Equal("Page 2 of 2", page.Find("[data-testid=plugins-page]").TextContent.Trim()));

        page.Find("input[data-testid=plugin-search]").Input("plugin-00");

        page.WaitForAssertion(() => Assert.Equal(10, RowIds(page).Count));
        Assert.Equal("Page 1 of 1", page.Find("[data-testid=plugins-page]").TextContent.Trim());
    }

    [Fact]
    public void PluginsPage_RegistryUnreachable_SaysSoInAPlainSentence()
    {
        SignIn(AdminRoles.AuditViewer);
        // What the gRPC client throws when nothing listens at the registry's address.
        Catalog.ListFailure = RegistryException.From(new RpcException(new Status(
            StatusCode.Unavailable,
            "Error starting gRPC call. HttpRequestException: Connection refused (127.0.0.1:5101) SocketException: Connection refused",
            new HttpRequestException("Connection refused (127.0.0.1:5101)"))));

        var page = RenderPage<PluginsPage>();

        var banner = page.WaitForElement("[data-testid=feed-problem]").TextContent;
        Assert.Contains("The registry cannot be reached.", banner, StringComparison.Ordinal);
        Assert.Contains("Retrying in", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", banner, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginsPage_RegistryAnswersUnavailable_ShowsTheRegistrysSentence()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.ListFailure = RegistryException.From(
            new RpcException(new Status(StatusCode.Unavailable, "The registry cannot reach its database; retrying.")));

        var page = RenderPage<PluginsPage>();

        Assert.Contains(
            "The registry cannot reach its database; retrying.",
            page.WaitForElement("[data-testid=feed-problem]").TextContent,
            StringComparison.Ordinal);
    }

    private static List<string> RowIds(IRenderedComponent<PluginsPage> page) =>
        [.. page.FindAll("tr[data-testid^=plugin-row-]").Select(r => r.GetAttribute("data-testid")!)];
}
