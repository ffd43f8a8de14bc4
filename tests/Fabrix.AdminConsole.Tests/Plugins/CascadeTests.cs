using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;

namespace Fabrix.AdminConsole.Tests.Plugins;

/// <summary>Disabling or unregistering a plugin that active plugins depend on (issue 3 §2).</summary>
public sealed class CascadeTests : ConsoleComponentTest
{
    private const string Id = "user-management";

    public CascadeTests()
    {
        SignIn(AdminRoles.PluginManager);
        Catalog.Details[Id] = PluginDetails.Detail(Id, PluginStatus.Active, dependents: ["billing"]);
        Catalog.Listed.Add(Support.Plugins.Summary(Id, PluginStatus.Active));
        var billing = Support.Plugins.Summary("billing", PluginStatus.Active);
        billing.Dependencies.Add(Id);
        Catalog.Listed.Add(billing);
        // As the registry refuses it: FAILED_PRECONDITION with the refusal code in google.rpc.ErrorInfo.
        Catalog.DependentsRefusal = new RegistryException(
            StatusCode.FailedPrecondition,
            "Cannot disable 'user-management': active plugins depend on it: billing. Disable them first, or ask for a cascade.",
            [])
        {
            Reason = RefusalCodes.ActiveDependents,
        };
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("unregister")]
    public void Transition_RefusedForActiveDependents_OffersCascadeAndRetriesWithIt(string verb)
    {
        var page = RenderDetail();

        page.WaitForElement($"[data-testid={verb}-{Id}]").Click();
        WaitInDialogs("input[data-testid=confirm-reason]").Change("retire the identity store");
        WaitInDialogs("[data-testid=confirm]").Click();

        var explanation = WaitInDialogs("[data-testid=confirm-cascade-explanation]").TextContent;
        Assert.Contains("active plugins depend on it: billing", explanation, StringComparison.Ordinal);
        Assert.Contains("first disables the active plugins that depend on user-management", explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("Active dependents:", explanation, StringComparison.Ordinal);
        Assert.True(Dialogs.Find("[data-testid=confirm]").HasAttribute("disabled"));
        Assert.Equal("retire the identity store", Dialogs.Find("input[data-testid=confirm-reason]").GetAttribute("value"));

        Dialogs.Find("input[data-testid=confirm-cascade]").Change(true);
        Dialogs.Find("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(
            [$"{verb} {Id} reason=retire the identity store", $"{verb} {Id} reason=retire the identity store cascade"], Catalog.Calls));
        page.WaitForAssertion(() => Assert.Contains("active dependents were disabled first", SnackbarText(), StringComparison.Ordinal));
    }

    [Fact]
    public void Transition_RefusalLeavesADependentUnnamed_TheLiveFeedNamesIt()
    {
        Catalog.DependentsRefusal = new RegistryException(StatusCode.FailedPrecondition, "Active plugins depend on it.", [])
        {
            Reason = RefusalCodes.ActiveDependents,
        };
        var page = RenderDetail();

        page.WaitForElement($"[data-testid=disable-{Id}]").Click();
        WaitInDialogs("[data-testid=confirm]").Click();

        Assert.Contains("Active dependents: billing.", WaitInDialogs("[data-testid=confirm-cascade-explanation]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Transition_CascadeDeclined_CallsTheRegistryOnlyOnce()
    {
        var page = RenderDetail();

        page.WaitForElement($"[data-testid=disable-{Id}]").Click();
        WaitInDialogs("[data-testid=confirm]").Click();
        WaitInDialogs("input[data-testid=confirm-cascade]");
        Dialogs.Find("[data-testid=cancel]").Click();

        Dialogs.WaitForAssertion(() => Assert.Empty(Dialogs.FindAll("[data-testid=confirm]")));
        Assert.Equal([$"disable {Id} reason="], Catalog.Calls);
    }

    [Fact]
    public void Transition_RefusedForAnotherPrecondition_ShowsTheRefusalWithoutOfferingCascade()
    {
        Catalog.DependentsRefusal = null;
        // Mentions dependents, but its code says it is about the transition itself.
        Catalog.Refusal = new RegistryException(
            StatusCode.FailedPrecondition, "Plugin 'user-management' is disabled (its dependents too); allowed: enable, unregister.", [])
        {
            Reason = "ILLEGAL_TRANSITION",
        };
        var page = RenderDetail();

        page.WaitForElement($"[data-testid=disable-{Id}]").Click();
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains("Could not disable user-management: Plugin 'user-management' is disabled", SnackbarText(), StringComparison.Ordinal));
        Assert.Empty(Dialogs.FindAll("[data-testid=confirm-cascade]"));
        Assert.Single(Catalog.Calls);
    }

    [Fact]
    public void Transition_NotRefused_NeverShowsTheCascadeSwitch()
    {
        Catalog.DependentsRefusal = null;
        var page = RenderDetail();

        page.WaitForElement($"[data-testid=disable-{Id}]").Click();
        Assert.Empty(Dialogs.FindAll("[data-testid=confirm-cascade]"));
        WaitInDialogs("[data-testid=confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal([$"disable {Id} reason="], Catalog.Calls));
    }

    private IRenderedComponent<PluginDetailPage> RenderDetail()
    {
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));
        // The dependents' statuses come from the live feed: wait until it has them.
        page.WaitForAssertion(() => Assert.Contains("active", page.Find("a[data-testid=dependent-billing]").ParentElement!.TextContent, StringComparison.Ordinal));
        return page;
    }
}
