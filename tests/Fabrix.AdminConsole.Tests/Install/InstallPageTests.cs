using Bunit;
using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Manifests;
using Grpc.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AdminConsole.Tests.Install;

public sealed class InstallPageTests : ConsoleComponentTest
{
    // Three rules broken at once: the id's format, authentication_required, and an unknown classification.
    private const string InvalidManifest = """
        {
          "id": "User_Management",
          "name": "User Management Plugin",
          "version": "1.0.0",
          "contracts": ["IdentityPlugin"],
          "traits": ["audit_required"],
          "security": { "authentication_required": false, "data_classification": ["internal", "secret"] },
          "compliance": { "audit_level": "basic" }
        }
        """;

    public InstallPageTests() => SignIn(AdminRoles.PluginManager);

    [Fact]
    public void InstallPage_InvalidManifestPasted_ShowsEveryErrorAtItsJsonPath()
    {
        var page = RenderPage<AdminConsole.Install.InstallPage>();

        page.Find("textarea[data-testid=manifest-input]").Change(InvalidManifest);

        var shown = page.FindAll("[data-testid=manifest-error]")
            .Select(e => (Path: e.GetAttribute("data-path"), Text: e.TextContent))
            .ToList();
        var expected = ManifestValidator.Validate(InvalidManifest).Errors;
        Assert.Equal(expected.Select(e => e.Path), shown.Select(s => s.Path));
        Assert.Contains("$.id", shown.Select(s => s.Path));
        Assert.Contains("$.security.authentication_required", shown.Select(s => s.Path));
        Assert.Contains("$.security.data_classification[1]", shown.Select(s => s.Path));
        Assert.All(shown.Zip(expected), pair =>
        {
            Assert.Contains(pair.Second.Path, pair.First.Text, StringComparison.Ordinal);
            Assert.Contains(pair.Second.Message, pair.First.Text, StringComparison.Ordinal);
        });
        Assert.Empty(page.FindAll("[data-testid=manifest-valid]"));
    }

    [Fact]
    public void InstallPage_ValidManifestPasted_ShowsNoErrors()
    {
        var page = RenderPage<AdminConsole.Install.InstallPage>();

        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);

        Assert.Empty(page.FindAll("[data-testid=manifest-error]"));
        Assert.Single(page.FindAll("[data-testid=manifest-valid]"));
    }

    [Fact]
    public void InstallPage_InvalidManifestUploaded_LoadsItAndShowsItsErrors()
    {
        var page = RenderPage<AdminConsole.Install.InstallPage>();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(InvalidManifest, "manifest.json"));

        page.WaitForAssertion(() => Assert.Contains(
            "$.security.authentication_required",
            page.FindAll("[data-testid=manifest-error]").Select(e => e.GetAttribute("data-path"))));
        var input = page.Find("textarea[data-testid=manifest-input]");
        Assert.Contains("User_Management", input.GetAttribute("value") ?? input.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void InstallPage_ManifestWithWarnings_ShowsThemApartFromErrors()
    {
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        var withUnknownField = Support.Plugins.ValidManifest.Replace("\"name\":", "\"colour\": \"blue\", \"name\":", StringComparison.Ordinal);

        page.Find("textarea[data-testid=manifest-input]").Change(withUnknownField);

        Assert.Empty(page.FindAll("[data-testid=manifest-error]"));
        Assert.Contains("$.colour", page.FindAll("[data-testid=manifest-warning]").Select(w => w.GetAttribute("data-path")));
    }

    [Fact]
    public void InstallPage_InvalidManifestSubmitted_DoesNotCallTheRegistry()
    {
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(InvalidManifest);

        page.Find("[data-testid=install-submit]").Click();

        Assert.Empty(Catalog.Calls);
        Assert.NotEmpty(page.FindAll("[data-testid=manifest-error]"));
    }

    [Fact]
    public void InstallPage_ValidManifestSubmitted_InstallsAndOffersTheDetailPage()
    {
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);
        page.Find("input[data-testid=enable-on-register]").Change(true);

        page.Find("[data-testid=install-submit]").Click();

        page.WaitForAssertion(() => Assert.Equal(["install enable_on_register=True"], Catalog.Calls));
        page.WaitForElement("[data-testid=install-open]").Click();
        Assert.EndsWith("/plugins/user-management", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void InstallPage_RegistryIssuesACredential_ShowsTheSecretOnceWithCopyAndTheShownOnceSentence()
    {
        const string Secret = "fxrc_c1_9NqQ2vYw7kLr3xTb";
        Catalog.InstallAnswer = new Contracts.Registry.V1.InstallPluginResponse { RegistrationCredential = TestCredentials.Issued(Secret, "c1") };
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);

        page.Find("[data-testid=install-submit]").Click();

        Assert.Equal(Secret, page.WaitForElement("[data-testid=credential-secret]").TextContent.Trim());
        Assert.Contains("shown once and never again: store it now", page.Find("[data-testid=credential-shown-once]").TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=credential-copy]"));
        Assert.DoesNotContain(Secret, SnackbarText(), StringComparison.Ordinal);
        Assert.Contains("Installed user-management", SnackbarText(), StringComparison.Ordinal);
    }

    [Fact]
    public void InstallPage_CredentialCopied_WritesTheSecretToTheClipboard()
    {
        const string Secret = "fxrc_c1_9NqQ2vYw7kLr3xTb";
        Catalog.InstallAnswer = new Contracts.Registry.V1.InstallPluginResponse { RegistrationCredential = TestCredentials.Issued(Secret, "c1") };
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);
        page.Find("[data-testid=install-submit]").Click();

        page.WaitForElement("[data-testid=credential-copy]").Click();

        var copy = Assert.Single(JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText");
        Assert.Equal([Secret], copy.Arguments);
        Assert.Equal("Copied to the clipboard.", page.WaitForElement("[data-testid=credential-copy-result]").TextContent.Trim());
    }

    [Fact]
    public void InstallPage_CredentialStored_DropsTheSecretAndOpensThePluginWithoutItInTheUrl()
    {
        const string Secret = "fxrc_c1_9NqQ2vYw7kLr3xTb";
        Catalog.InstallAnswer = new Contracts.Registry.V1.InstallPluginResponse { RegistrationCredential = TestCredentials.Issued(Secret, "c1") };
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);
        page.Find("[data-testid=install-submit]").Click();

        page.WaitForElement("[data-testid=credential-done]").Click();

        var uri = Services.GetRequiredService<NavigationManager>().Uri;
        Assert.EndsWith("/plugins/user-management", uri, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.DoesNotContain(Secret, page.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void InstallPage_RegistryAnswersWithWarnings_ShowsThemAtTheirPathsAfterTheInstall()
    {
        Catalog.InstallAnswer = new Contracts.Registry.V1.InstallPluginResponse
        {
            Warnings =
            {
                new Contracts.Registry.V1.ManifestIssue
                {
                    Path = "$.name",
                    Message = "The name 'User Management Plugin' is confusable with the installed plugin 'user-management' (UTS #39).",
                },
            },
        };
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);

        page.Find("[data-testid=install-submit]").Click();

        var warning = page.WaitForElement("[data-testid=install-warning]");
        Assert.Equal("$.name", warning.GetAttribute("data-path"));
        Assert.Contains("confusable with the installed plugin 'user-management'", warning.TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=install-succeeded]"));
    }

    [Fact]
    public void InstallPage_RegistryRefusesWithFieldViolations_ShowsThemAtTheirPaths()
    {
        Catalog.Refusal = new RegistryException(
            StatusCode.InvalidArgument,
            "The manifest is invalid.",
            [new ManifestIssue("$.dependencies[0]", "The dependency 'billing' is not installed.")]);
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);

        page.Find("[data-testid=install-submit]").Click();

        var error = page.WaitForElement("[data-testid=manifest-error]");
        Assert.Equal("$.dependencies[0]", error.GetAttribute("data-path"));
        Assert.Contains("The dependency 'billing' is not installed.", error.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("/plugins/user-management", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void InstallPage_RegistryRefusesWithoutViolations_ShowsTheRegistryMessage()
    {
        Catalog.Refusal = new RegistryException(StatusCode.PermissionDenied, "The role plugin_manager or admin is required.", []);
        var page = RenderPage<AdminConsole.Install.InstallPage>();
        page.Find("textarea[data-testid=manifest-input]").Change(Support.Plugins.ValidManifest);

        page.Find("[data-testid=install-submit]").Click();

        Assert.Equal(
            "The role plugin_manager or admin is required.",
            page.WaitForElement("[data-testid=install-error]").TextContent.Trim());
    }
}
