using AngleSharp.Dom;
using Bunit;
using Fabrix.AdminConsole.Plugins;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Forms;

namespace Fabrix.AdminConsole.Tests.Versions;

public sealed class UpgradeFormTests : ConsoleComponentTest
{
    private const string Id = "user-management";

    // Version 2.0.0 of the seed's manifest, asking for PHI on top of PII.
    private static readonly string NewManifest = Support.Plugins.ValidManifest
        .Replace("\"version\": \"1.0.0\"", "\"version\": \"2.0.0\"", StringComparison.Ordinal)
        .Replace("\"traits\": [\"handles_pii\", \"audit_required\"]", "\"traits\": [\"handles_pii\", \"handles_phi\", \"audit_required\"]", StringComparison.Ordinal)
        .Replace("[\"pii\", \"internal\"]", "[\"pii\", \"phi\", \"internal\"]", StringComparison.Ordinal);

    public UpgradeFormTests()
    {
        SignIn(AdminRoles.PluginManager);
        Catalog.Details[Id] = PluginDetails.Detail(Id, PluginStatus.Active);
        Catalog.Preview = new UpgradePreview
        {
            Diff = new PermissionDiff
            {
                FromVersion = "1.1.0",
                ToVersion = "2.0.0",
                RequiresApproval = true,
                Lines = { "+ trait handles_phi", "- domain old.example.com", "~ resources.memory_limit 256 → 512" },
            },
            PlatformCompatible = true,
            PlatformReason = "Fabrix 1.0.0 is within >=1.0.0 <2.0.0.",
        };
    }

    [Fact]
    public void Upgrade_Previewed_ShowsThePermissionDiffWithAddedLinesHighlighted()
    {
        var page = OpenUpgrade();

        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest);
        page.Find("[data-testid=upgrade-preview]").Click();

        var lines = page.WaitForElements("[data-testid=permission-diff-line]");
        Assert.Equal(["+ trait handles_phi", "- domain old.example.com", "~ resources.memory_limit 256 → 512"], lines.Select(l => l.TextContent));
        Assert.Equal(["added", "removed", "changed"], lines.Select(l => l.GetAttribute("data-kind")));
        Assert.True(lines[0].ClassList.Contains("diff-added"));
        Assert.Equal("1.1.0 → 2.0.0", page.Find("[data-testid=upgrade-versions]").TextContent.Trim());
        Assert.Equal("true", page.Find("[data-testid=upgrade-platform]").GetAttribute("data-compatible"));
        Assert.Equal([NewManifest], Catalog.Previewed);
    }

    [Fact]
    public void Upgrade_RequiresApproval_SubmitStaysDisabledUntilTheApprovalIsTicked()
    {
        var page = OpenUpgrade();
        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest);
        page.Find("[data-testid=upgrade-preview]").Click();
        page.WaitForElement("[data-testid=permission-diff]");

        Assert.True(Submit(page).HasAttribute("disabled"));
        page.Find("input[data-testid=upgrade-approve]").Change(true);
        Assert.False(Submit(page).HasAttribute("disabled"));
        page.Find("input[data-testid=upgrade-reason]").Change("PHI processing approved by the DPO");
        Submit(page).Click();

        page.WaitForAssertion(() => Assert.Equal(["preview", "upgrade approve=True reason=PHI processing approved by the DPO"], Catalog.Calls));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=upgrade-form]")));
        Assert.Equal("2.0.0", page.Find("[data-testid=pinned-version]").TextContent.Trim());
        Assert.Contains("must register again", SnackbarText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Upgrade_NothingToApprove_OffersNoApprovalAndSubmitsWithoutIt()
    {
        Catalog.Preview.Diff.RequiresApproval = false;
        Catalog.Preview.Diff.Lines.Clear();
        Catalog.Preview.Diff.Lines.Add("- domain old.example.com");
        var page = OpenUpgrade();
        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest);
        page.Find("[data-testid=upgrade-preview]").Click();
        page.WaitForElement("[data-testid=permission-diff]");

        Assert.Empty(page.FindAll("[data-testid=upgrade-approve]"));
        Submit(page).Click();

        page.WaitForAssertion(() => Assert.Equal(["preview", "upgrade approve=False reason="], Catalog.Calls));
    }

    [Fact]
    public void Upgrade_PlatformOutOfRangeOrDependencyMissing_CannotBeSubmitted()
    {
        Catalog.Preview.PlatformCompatible = false;
        Catalog.Preview.PlatformReason = "Fabrix 1.0.0 is outside >=2.0.0.";
        Catalog.Preview.MissingDependencies.Add("ledger");
        var page = OpenUpgrade();
        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest);
        page.Find("[data-testid=upgrade-preview]").Click();
        page.WaitForElement("[data-testid=permission-diff]");
        page.Find("input[data-testid=upgrade-approve]").Change(true);

        Assert.Contains("Fabrix 1.0.0 is outside >=2.0.0.", page.Find("[data-testid=upgrade-platform]").TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=upgrade-missing-ledger]"));
        Assert.True(Submit(page).HasAttribute("disabled"));
    }

    [Fact]
    public void Upgrade_ManifestOfAnotherPlugin_IsRefusedAtItsIdWithoutAskingTheRegistry()
    {
        var page = OpenUpgrade();

        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest.Replace("\"id\": \"user-management\"", "\"id\": \"billing\"", StringComparison.Ordinal));
        page.Find("[data-testid=upgrade-preview]").Click();

        var error = Assert.Single(page.FindAll("[data-testid=manifest-error]"));
        Assert.Equal("$.id", error.GetAttribute("data-path"));
        Assert.Contains("not of 'user-management'", error.TextContent, StringComparison.Ordinal);
        Assert.Empty(Catalog.Calls);
    }

    [Fact]
    public void Upgrade_RegistryRefusesTheManifest_ShowsItsFindingsAtTheirJsonPaths()
    {
        Catalog.Refusal = new RegistryException(
            StatusCode.InvalidArgument, "The manifest is invalid.", [new("$.version", "Version 2.0.0 is already installed with different content.")]);
        var page = OpenUpgrade();

        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest);
        page.Find("[data-testid=upgrade-preview]").Click();

        var error = page.WaitForElement("[data-testid=manifest-error]");
        Assert.Equal("$.version", error.GetAttribute("data-path"));
        Assert.Contains("already installed with different content", error.TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=permission-diff]"));
    }

    [Fact]
    public void Upgrade_ManifestEditedAfterPreview_NeedsANewPreview()
    {
        var page = OpenUpgrade();
        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest);
        page.Find("[data-testid=upgrade-preview]").Click();
        page.WaitForElement("[data-testid=permission-diff]");

        page.Find("textarea[data-testid=upgrade-input]").Change(NewManifest.Replace("2.0.0", "2.0.1", StringComparison.Ordinal));

        Assert.Empty(page.FindAll("[data-testid=permission-diff]"));
        Assert.Empty(page.FindAll("[data-testid=upgrade-submit]"));
    }

    [Fact]
    public void Upgrade_ManifestUploaded_LoadsIt()
    {
        var page = OpenUpgrade();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(NewManifest, "manifest.json"));

        page.WaitForAssertion(() =>
        {
            var input = page.Find("textarea[data-testid=upgrade-input]");
            Assert.Contains("handles_phi", input.GetAttribute("value") ?? input.TextContent, StringComparison.Ordinal);
        });
        Assert.Empty(page.FindAll("[data-testid=manifest-error]"));
    }

    private IRenderedComponent<PluginDetailPage> OpenUpgrade()
    {
        var page = RenderPage<PluginDetailPage>(p => p.Add(x => x.Id, Id));
        page.WaitForElement("[data-testid=upgrade-open]").Click();
        page.WaitForElement("[data-testid=upgrade-form]");
        return page;
    }

    private static IElement Submit(IRenderedComponent<PluginDetailPage> page) => page.Find("[data-testid=upgrade-submit]");
}
