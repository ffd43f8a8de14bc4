using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Tests.Plugins;

/// <summary>The plugin detail's Operator lane reach: who may call it and whom it may call, by dependency or grant, with the PHI rule.</summary>
public sealed class OperatorReachPanelTests : ConsoleComponentTest
{
    private const string Id = "records";

    public OperatorReachPanelTests()
    {
        SignIn(AdminRoles.AuditViewer);
        Catalog.Details[Id] = PluginDetails.Detail(Id, PluginStatus.Active);
    }

    [Fact]
    public void PluginDetail_PhiTarget_CallersByDependencyAndGrantWithTheTraitRuleShown()
    {
        var reach = new GetOperatorReachResponse { PluginId = Id, HandlesPhi = true };
        reach.Callers.Add(new OperatorReachEntry { PluginId = "clinic", Installed = true, ByDependency = true, HandlesPhi = true, TraitAllows = true });
        reach.Callers.Add(new OperatorReachEntry
        {
            PluginId = "reports", Installed = true, Grant = new OperatorGrant { Caller = "reports", Target = Id, GrantedBy = "user:ada" }, TraitAllows = false,
        });
        reach.Callees.Add(new OperatorReachEntry { PluginId = "ledger", Installed = false, ByDependency = true, TraitAllows = true });
        LaneCatalog.Reach[Id] = reach;

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        var clinic = page.WaitForElement("[data-testid=reach-caller-clinic]");
        var reports = page.Find("[data-testid=reach-caller-reports]");
        Assert.Equal(("dependency", "true"), (clinic.GetAttribute("data-via"), clinic.GetAttribute("data-allowed")));
        Assert.Equal(("grant", "false"), (reports.GetAttribute("data-via"), reports.GetAttribute("data-allowed")));
        Assert.Contains("grant by user:ada", reports.TextContent, StringComparison.Ordinal);
        Assert.NotNull(reports.QuerySelector("[data-testid=reach-phi-refused]"));
        Assert.NotNull(page.Find("[data-testid=reach-phi-rule]"));
        Assert.Contains("not installed", page.Find("[data-testid=reach-callee-ledger]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginDetail_NoRelations_SaysNobodyAndNothing()
    {
        LaneCatalog.Reach[Id] = new GetOperatorReachResponse { PluginId = Id };

        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));

        page.WaitForElement("[data-testid=reach-callers-none]");
        page.WaitForElement("[data-testid=reach-callees-none]");
        Assert.Empty(page.FindAll("[data-testid=reach-phi-rule]"));
    }
}
