using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// Registration credentials in the console (issue 7 section 1), in real Chromium against the running platform: the
/// secret is shown once after the install and once after a rotation, and nowhere else.
/// </summary>
public sealed class CredentialBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.ConsoleUrl,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        _context.SetDefaultTimeout(30_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task PluginManager_InstallsAPlugin_SeesItsRegistrationCredentialOnceAndRotatesIt()
    {
        var id = ConsoleManifests.UniqueId("e2e-credential");
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);
        await page.GotoAsync("/plugins/install");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.GetByTestId("manifest-input").FillAsync(ConsoleManifests.Manifest(id, "Credential test", "Installed by a browser test."));
        await page.GetByTestId("install-submit").ClickAsync();

        // Shown once, with the sentence that says so and a copy button.
        var secretElement = page.GetByTestId("credential-secret");
        await Expect(secretElement).ToBeVisibleAsync();
        var secret = (await secretElement.TextContentAsync() ?? string.Empty).Trim();
        Assert.StartsWith("fxrc_", secret, StringComparison.Ordinal);
        await Expect(page.GetByTestId("credential-shown-once")).ToContainTextAsync("shown once and never again: store it now");
        await Expect(page.GetByTestId("credential-copy")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "install-credential");

        await page.GetByTestId("credential-done").ClickAsync();
        // Blazor navigates inside the document (history.pushState): poll the address rather than wait for a load event.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/plugins/{id}$"), new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("credential-id")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.DoesNotContain(secret, page.Url, StringComparison.Ordinal);
        var credentialId = secret.Split('_')[1];
        await Expect(page.GetByTestId("credential-id")).ToHaveTextAsync(credentialId);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Never again: not after a reload, not on the detail page.
        await page.ReloadAsync();
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByTestId("credential-id")).ToHaveTextAsync(credentialId);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Rotate: confirm, the new secret once, the metadata follows.
        await page.GetByTestId("credential-rotate").ClickAsync();
        await page.GetByTestId("confirm-reason").FillAsync("browser test rotation");
        await page.GetByTestId("confirm").ClickAsync();
        var rotatedElement = page.GetByTestId("credential-secret");
        await Expect(rotatedElement).ToBeVisibleAsync();
        var rotated = (await rotatedElement.TextContentAsync() ?? string.Empty).Trim();
        Assert.StartsWith("fxrc_", rotated, StringComparison.Ordinal);
        Assert.NotEqual(secret, rotated);
        await Expect(page.GetByTestId("credential-id")).ToHaveTextAsync(rotated.Split('_')[1]);
        await Screenshots.TakeAsync(page, "detail-rotated-credential");

        await page.GetByTestId("credential-done").ClickAsync();
        await Expect(page.GetByTestId("credential-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(rotated, await page.ContentAsync(), StringComparison.Ordinal);

        var detail = await platform.Admin().GetPluginAsync(new GetPluginRequest { Id = id }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(rotated.Split('_')[1], detail.RegistrationCredential.CredentialId);
        Assert.Equal("user:maria", detail.RegistrationCredential.IssuedBy);
    }

    [Fact]
    public async Task AuditViewer_OpensAPlugin_SeesCredentialMetadataButNoRotateOrRevoke()
    {
        var id = ConsoleManifests.UniqueId("e2e-credential-view");
        await platform.Admin().InstallPluginAsync(
            new InstallPluginRequest { ManifestJson = ConsoleManifests.Manifest(id, "Credential view", "Installed for a viewer.") },
            cancellationToken: TestContext.Current.CancellationToken);
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "olga", AdminRoles.AuditViewer);

        await page.GotoAsync($"/plugins/{id}");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await Expect(page.GetByTestId("credential-id")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("credential-rotate")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("credential-revoke")).ToHaveCountAsync(0);
    }
}
