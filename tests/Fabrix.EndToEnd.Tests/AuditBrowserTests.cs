using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The console's audit page in real Chromium against the running platform's hash-chained audit log.</summary>
public sealed class AuditBrowserTests(PlatformFixture platform, BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = platform.ConsoleUrl });
        _context.SetDefaultTimeout(30_000);
        await platform.WaitForPluginAsync("user-management", p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    [Fact]
    public async Task AuditViewer_FiltersByActionAndVerifiesChain_SeesInstallRowAndIntactResult()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "olga", AdminRoles.AuditViewer);
        await page.GotoAsync("/audit");
        await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        // MudTextField puts the test id on its input or on its wrapper, depending on the component version.
        await page.Locator("input[data-testid=audit-filter-action], [data-testid=audit-filter-action] input").First.FillAsync("plugin.install");
        await page.GetByTestId("audit-apply").ClickAsync();

        // The AppHost installed the sample plugin as "apphost": that row is in the filtered page.
        var rows = page.Locator("[data-testid^='audit-row-']");
        // Retrying assertions: the unfiltered first page is on screen until the filtered one replaces it.
        await Expect(rows.Filter(new() { HasNotText = "plugin.install" })).ToHaveCountAsync(0);
        await Expect(rows.Filter(new() { HasText = "user-management" }).Filter(new() { HasText = "plugin.install" }).First).ToBeVisibleAsync();
        foreach (var text in await rows.AllInnerTextsAsync())
        {
            Assert.Contains("plugin.install", text, StringComparison.Ordinal);
        }

        await page.GetByTestId("audit-verify").ClickAsync();
        await Expect(page.GetByTestId("audit-verify-result")).ToContainTextAsync("Intact", new() { IgnoreCase = true });
    }

    [Fact]
    public async Task PluginManagerOnly_OpensAuditPage_IsRefused()
    {
        var page = await _context!.NewPageAsync();
        await DevSignIn.SignInAsync(page, "maria", AdminRoles.PluginManager);

        await page.GotoAsync("/audit");

        await Expect(page.Locator("[data-testid=not-authorized], [data-testid=access-denied]").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid^='audit-row-']")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("audit-verify")).ToHaveCountAsync(0);
    }
}
