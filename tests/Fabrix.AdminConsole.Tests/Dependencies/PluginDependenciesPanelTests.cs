using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Tests.Dependencies;

public sealed class PluginDependenciesPanelTests : ConsoleComponentTest
{
    public PluginDependenciesPanelTests() => SignIn(AdminRoles.AuditViewer);

    [Fact]
    public void PluginDetail_DependenciesAndDependents_LinkToTheirPagesWithTheirStatus()
    {
        Catalog.Details["billing"] = PluginDetails.Detail(
            "billing", PluginStatus.Active, dependencies: ["user-management", "ledger"], dependents: ["invoicing"]);
        Catalog.Listed.Add(Support.Plugins.Summary("user-management", PluginStatus.Active));
        Catalog.Listed.Add(Support.Plugins.Summary("invoicing", PluginStatus.Disabled));
        Catalog.Listed.Add(Support.Plugins.Summary("billing", PluginStatus.Active));

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "billing"));

        page.WaitForAssertion(() => Assert.Contains("not installed", page.Find("[data-testid=plugin-dependencies]").TextContent, StringComparison.Ordinal));
        var userManagement = page.Find("a[data-testid=dependency-user-management]");
        Assert.Equal("plugins/user-management", userManagement.GetAttribute("href"));
        Assert.Contains("active", userManagement.ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.Equal("plugins/ledger", page.Find("a[data-testid=dependency-ledger]").GetAttribute("href"));
        Assert.Contains("not installed", page.Find("a[data-testid=dependency-ledger]").ParentElement!.TextContent, StringComparison.Ordinal);
        var invoicing = page.Find("a[data-testid=dependent-invoicing]");
        Assert.Equal("plugins/invoicing", invoicing.GetAttribute("href"));
        Assert.Contains("disabled", invoicing.ParentElement!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_NoDependenciesOrDependents_SaysSo()
    {
        Catalog.Details["billing"] = PluginDetails.Detail("billing", PluginStatus.Active);

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, "billing"));

        page.WaitForElement("[data-testid=dependencies-none]");
        Assert.Single(page.FindAll("[data-testid=dependents-none]"));
        Assert.Empty(page.FindAll("[data-testid^=dependency-], [data-testid^=dependent-]"));
    }
}
